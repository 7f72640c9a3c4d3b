using System.Text;
using Swarm.ControlApi.Contracts;

namespace Swarm.Ctl.Output;

/// <summary>What <c>secret ls</c>, <c>secret inspect --pretty</c> and <c>config inspect --pretty</c> print.</summary>
public static class SecretViews
{
    public static string List(IEnumerable<SecretView> items, DateTimeOffset now) => Table.Render(
        ["ID", "NAME", "CREATED"],
        items.Select(s => (IReadOnlyList<string>)[Humanize.ShortId(s.Id), s.Name, Humanize.Ago(s.CreatedAt, now)]));

    public static string Secret(SecretView s, DateTimeOffset now) => Rows(s.Id, s.Name, s.Size, s.Labels, s.CreatedAt, now, []);

    /// <summary>A config with its value (as text, or as base64 when it is not UTF-8).</summary>
    public static string Config(ConfigView c, DateTimeOffset now)
    {
        var text = Rows(c.Id, c.Name, c.Size, c.Labels, c.CreatedAt, now, [("Digest", c.Digest)]);
        if (c.Data is null)
        {
            return text;
        }

        var bytes = Convert.FromBase64String(c.Data);
        string value;
        try
        {
            value = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            value = "(binary, base64) " + c.Data;
        }

        return text + "Data:\n" + value + (value.EndsWith('\n') ? "" : "\n");
    }

    private static string Rows(Guid id, string name, int size, IReadOnlyDictionary<string, string> labels, DateTimeOffset created, DateTimeOffset now, IEnumerable<(string, string)> extra)
    {
        var rows = new StringBuilder();
        void Row(string k, string v) => rows.Append($"{k + ":",-10} {v}\n");
        Row("ID", id.ToString("N"));
        Row("Name", name);
        Row("Size", $"{size} bytes");
        foreach (var (k, v) in extra)
        {
            Row(k, v);
        }

        Row("Created", $"{Humanize.Timestamp(created)} ({Humanize.Ago(created, now)})");
        foreach (var (k, v) in labels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Row("Label", $"{k}={v}");
        }

        return rows.ToString();
    }
}
