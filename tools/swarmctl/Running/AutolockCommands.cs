using System.Text;
using System.Text.Json;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;
using Swarm.Ctl.Cli;

namespace Swarm.Ctl.Running;

/// <summary>
/// Autolock: <c>cluster update --autolock[=false]</c>, <c>cluster unlock</c> and <c>cluster unlock-key [--rotate]</c>.
/// A key is printed only where the operator asked for it, and read only from a file, standard input or a prompt.
/// </summary>
public sealed class AutolockCommands(ApiClient api, TextWriter stdout, TextWriter stderr, Func<Stream>? openStdin)
{
    public const string StoreWarning =
        "Store this key safely (a password manager): a manager that restarts serves nothing until 'swarmctl cluster unlock' is given it. " +
        "It is shown only now; 'swarmctl cluster unlock-key' shows it again only while the control API holds it.";

    private static readonly JsonSerializerOptions Indented = new(ApiClient.Json)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public async Task<int> UpdateAsync(bool on, OutputFormat format, CancellationToken ct)
    {
        var view = await api.PostAsync<AutolockView>("api/cluster/autolock", new UpdateAutolockRequest { Autolock = on }, ct);
        if (format == OutputFormat.Json)
        {
            await stdout.WriteAsync(JsonSerializer.Serialize(view, Indented) + "\n");
            if (view.UnlockKey is not null)
            {
                await stderr.WriteLineAsync(StoreWarning);
            }

            return 0;
        }

        if (!on)
        {
            await stdout.WriteLineAsync("autolock: off (managers start unlocked)");
            return 0;
        }

        if (view.UnlockKey is not { } key)
        {
            await stdout.WriteLineAsync("autolock: on already (the unlock key is unchanged; 'swarmctl cluster unlock-key' shows it if the control API holds it)");
            return 0;
        }

        await stdout.WriteLineAsync("autolock: on. To unlock a manager that restarted, run 'swarmctl cluster unlock' and give it this key:");
        await stdout.WriteLineAsync();
        await stdout.WriteLineAsync($"    {key}");
        await stdout.WriteLineAsync();
        await stdout.WriteLineAsync(StoreWarning);
        return 0;
    }

    public async Task<int> UnlockAsync(ClusterUnlock c, CancellationToken ct)
    {
        string text;
        if (c.KeyFile is { } file)
        {
            if (!File.Exists(file))
            {
                await stderr.WriteLineAsync($"swarmctl: --key-file {file} does not exist");
                return 1;
            }

            text = await File.ReadAllTextAsync(file, ct);
        }
        else if (openStdin is null && !Console.IsInputRedirected)
        {
            text = await PromptAsync();
        }
        else
        {
            using var reader = new StreamReader((openStdin ?? Console.OpenStandardInput)(), Encoding.UTF8);
            text = await reader.ReadLineAsync(ct) ?? "";
        }

        var view = await api.PostAsync<AutolockView>("api/cluster/unlock", new UnlockRequest { Key = text.Trim() }, ct);
        await stdout.WriteLineAsync("control API: unlocked");
        foreach (var replica in view.Dispatchers ?? [])
        {
            var state = !replica.Reachable ? $"not reachable ({replica.Error})" : replica.Locked == true ? $"still locked ({replica.Error})" : "unlocked";
            await stdout.WriteLineAsync($"dispatcher {replica.Address}: {state}");
        }

        return 0;
    }

    public async Task<int> UnlockKeyAsync(ClusterUnlockKey c, CancellationToken ct)
    {
        var view = c.Rotate
            ? await api.PostAsync<UnlockKeyView>("api/cluster/unlock-key/rotate", new { }, ct)
            : await api.GetAsync<UnlockKeyView>("api/cluster/unlock-key", ct);
        if (c.Format == OutputFormat.Json)
        {
            await stdout.WriteAsync(JsonSerializer.Serialize(view, Indented) + "\n");
        }
        else if (c.Quiet)
        {
            await stdout.WriteLineAsync(view.UnlockKey);
        }
        else
        {
            await stdout.WriteLineAsync(c.Rotate ? "The unlock key was rotated; the previous key unlocks nothing from now on. The new key:" : "The unlock key:");
            await stdout.WriteLineAsync();
            await stdout.WriteLineAsync($"    {view.UnlockKey}");
            await stdout.WriteLineAsync();
            if (c.Rotate)
            {
                await stdout.WriteLineAsync(StoreWarning);
            }
        }

        return 0;
    }

    /// <summary>Asks on the terminal without echoing what is typed.</summary>
    private async Task<string> PromptAsync()
    {
        await stderr.WriteAsync("Enter the unlock key: ");
        await stderr.FlushAsync();
        var typed = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (typed.Length > 0)
                {
                    typed.Length--;
                }

                continue;
            }

            typed.Append(key.KeyChar);
        }

        await stderr.WriteLineAsync();
        return typed.ToString();
    }
}
