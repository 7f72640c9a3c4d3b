using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;
using Swarm.Ctl.Cli;
using Swarm.Ctl.Output;

namespace Swarm.Ctl.Running;

/// <summary>The <c>secret</c> and <c>config</c> commands: <c>/api/secrets</c> and <c>/api/configs</c>.</summary>
public sealed class SecretCommands(ApiClient api, TextWriter stdout, TextWriter stderr, TimeProvider time, Func<Stream> openStdin)
{
    /// <summary>Largest value read (the API's limit is 500 KiB; a little more is read so the API names the size).</summary>
    private const int ReadLimit = 512 * 1024 + 1;

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static string Path(string kind) => $"api/{kind}s";

    public async Task<int> CreateAsync(SecretCreate c, CancellationToken ct)
    {
        byte[] value;
        try
        {
            await using var input = c.File == "-" ? openStdin() : File.OpenRead(c.File);
            value = await ReadAsync(input, ct);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"swarmctl: cannot read {(c.File == "-" ? "standard input" : c.File)}: {ex.Message}");
            return 1;
        }

        var body = new CreateSecretRequest { Name = c.Name, Data = Convert.ToBase64String(value), Labels = c.Labels.Count > 0 ? c.Labels : null };
        var created = await api.PostAsync<JsonNode>(Path(c.Kind), body, ct);
        await stdout.WriteLineAsync(Guid.Parse(created["id"]!.GetValue<string>()).ToString("N"));
        return 0;
    }

    public async Task<int> ListAsync(SecretList c, CancellationToken ct)
    {
        var json = await api.GetJsonAsync(Path(c.Kind), ct);
        if (c.Format == OutputFormat.Json && !c.Quiet)
        {
            await stdout.WriteLineAsync(json.ToJsonString(Indented));
            return 0;
        }

        var items = json.Deserialize<List<SecretView>>(ApiClient.Json)!;
        await stdout.WriteAsync(c.Quiet
            ? string.Concat(items.Select(s => s.Id.ToString("N") + "\n"))
            : SecretViews.List(items, time.GetUtcNow()));
        return 0;
    }

    /// <summary>As <c>docker secret inspect</c>: a JSON array of those found; each one not found is named on stderr (exit 1).</summary>
    public async Task<int> InspectAsync(SecretInspect c, CancellationToken ct)
    {
        var exit = 0;
        var found = new JsonArray();
        var first = true;
        foreach (var name in c.Names)
        {
            try
            {
                var json = await api.GetJsonAsync($"{Path(c.Kind)}/{ApiClient.Segment(name)}", ct);
                if (c.Pretty)
                {
                    var text = c.Kind == "config"
                        ? SecretViews.Config(json.Deserialize<ConfigView>(ApiClient.Json)!, time.GetUtcNow())
                        : SecretViews.Secret(json.Deserialize<SecretView>(ApiClient.Json)!, time.GetUtcNow());
                    await stdout.WriteAsync((first ? "" : "\n") + text);
                    first = false;
                }
                else
                {
                    if (json is JsonObject o)
                    {
                        o.Remove("data"); // JSON is metadata; a config's value shows with --pretty
                    }

                    found.Add(json);
                }
            }
            catch (ApiException ex) when (ex.Status is not null)
            {
                await stderr.WriteLineAsync($"swarmctl: {name}: {ex.Message}");
                exit = 1;
            }
        }

        if (!c.Pretty)
        {
            await stdout.WriteLineAsync(found.ToJsonString(Indented));
        }

        return exit;
    }

    public async Task<int> RemoveAsync(SecretRemove c, CancellationToken ct)
    {
        var exit = 0;
        foreach (var name in c.Names)
        {
            try
            {
                await api.DeleteAsync($"{Path(c.Kind)}/{ApiClient.Segment(name)}", ct);
                await stdout.WriteLineAsync(name);
            }
            catch (ApiException ex) when (ex.Status is not null)
            {
                await stderr.WriteLineAsync($"swarmctl: {name}: {ex.Message}");
                exit = 1;
            }
        }

        return exit;
    }

    private static async Task<byte[]> ReadAsync(Stream input, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while (buffer.Length < ReadLimit && (read = await input.ReadAsync(chunk, ct)) > 0)
        {
            await buffer.WriteAsync(chunk.AsMemory(0, read), ct);
        }

        return buffer.ToArray();
    }
}
