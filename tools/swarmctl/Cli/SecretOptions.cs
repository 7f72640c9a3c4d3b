using Swarm.Contracts.Model;

namespace Swarm.Ctl.Cli;

/// <summary>
/// The <c>--secret</c>/<c>--config</c> flags of <c>service create</c> and the <c>--secret-add/-rm</c>,
/// <c>--config-add/-rm</c> flags of <c>service update</c>: <c>NAME</c> or
/// <c>source=NAME[,target=FILE][,uid=U][,gid=G][,mode=0400]</c>, as Docker's.
/// </summary>
public static class SecretOptions
{
    public static readonly FlagSpec[] CreateFlags =
    [
        new("secret", null, "SECRET", "Give the tasks a secret as /run/secrets/TARGET: NAME or source=NAME,target=FILE,uid=0,gid=0,mode=0444", Repeatable: true),
        new("config", null, "CONFIG", "Give the tasks a config as /TARGET (or an absolute path): NAME or source=NAME,target=PATH,uid=0,gid=0,mode=0444", Repeatable: true),
    ];

    public static readonly FlagSpec[] UpdateFlags =
    [
        new("secret-add", null, "SECRET", "Add a secret (NAME or source=NAME,target=...); replaces one with the same target", Repeatable: true),
        new("secret-rm", null, "NAME", "Remove a secret by name", Repeatable: true),
        new("config-add", null, "CONFIG", "Add a config (NAME or source=NAME,target=...); replaces one with the same target", Repeatable: true),
        new("config-rm", null, "NAME", "Remove a config by name", Repeatable: true),
    ];

    /// <summary>The <c>--secret</c> values (null when none).</summary>
    public static IReadOnlyList<SecretReferenceSpec>? Secrets(ParsedArgs a, string flag = "secret")
    {
        var list = a.All(flag).Select(v => Parse(flag, v)).Select(r => new SecretReferenceSpec { Source = r.Source, Target = r.Target, Uid = r.Uid, Gid = r.Gid, Mode = r.Mode }).ToList();
        return list.Count > 0 ? list : null;
    }

    /// <summary>The <c>--config</c> values (null when none).</summary>
    public static IReadOnlyList<ConfigReferenceSpec>? Configs(ParsedArgs a, string flag = "config")
    {
        var list = a.All(flag).Select(v => Parse(flag, v)).Select(r => new ConfigReferenceSpec { Source = r.Source, Target = r.Target, Uid = r.Uid, Gid = r.Gid, Mode = r.Mode }).ToList();
        return list.Count > 0 ? list : null;
    }

    /// <summary>One reference as the flag takes it; the mode is octal (0400), as in Docker.</summary>
    public static (string Source, string? Target, string? Uid, string? Gid, uint? Mode) Parse(string flag, string value)
    {
        T Bad<T>(string why) => throw new UsageException($"invalid value '{value}' for --{flag}: {why}");

        string? source = null, target = null, uid = null, gid = null;
        uint? mode = null;
        var fields = value.Split(',', StringSplitOptions.TrimEntries);
        for (var i = 0; i < fields.Length; i++)
        {
            var field = fields[i];
            var eq = field.IndexOf('=');
            if (eq < 0)
            {
                if (i > 0 || fields.Length > 1)
                {
                    return Bad<(string, string?, string?, string?, uint?)>($"'{field}' is not KEY=VALUE (keys: source, target, uid, gid, mode)");
                }

                source = field;
                continue;
            }

            var key = field[..eq].ToLowerInvariant();
            var v = field[(eq + 1)..];
            switch (key)
            {
                case "source" or "src":
                    source = v;
                    break;
                case "target":
                    target = v;
                    break;
                case "uid":
                    uid = v;
                    break;
                case "gid":
                    gid = v;
                    break;
                case "mode":
                    mode = v.Length > 0 && v.All(c => c is >= '0' and <= '7') && v.Length <= 11 && Convert.ToUInt64(v, 8) <= uint.MaxValue
                        ? (uint)Convert.ToUInt64(v, 8)
                        : Bad<uint?>($"mode '{v}' is not an octal file mode such as 0400");
                    break;
                default:
                    return Bad<(string, string?, string?, string?, uint?)>($"unknown key '{key}' (keys: source, target, uid, gid, mode)");
            }
        }

        if (string.IsNullOrEmpty(source))
        {
            return Bad<(string, string?, string?, string?, uint?)>("the source (the name) is required");
        }

        return (source, target, uid, gid, mode);
    }
}

/// <summary>The secret and config changes of <c>service update</c>: removals by name first, then additions.</summary>
public sealed record SecretChanges
{
    public IReadOnlyList<SecretReferenceSpec> SecretAdd { get; init; } = [];
    public IReadOnlyList<string> SecretRemove { get; init; } = [];
    public IReadOnlyList<ConfigReferenceSpec> ConfigAdd { get; init; } = [];
    public IReadOnlyList<string> ConfigRemove { get; init; } = [];

    public bool IsEmpty => SecretAdd.Count == 0 && SecretRemove.Count == 0 && ConfigAdd.Count == 0 && ConfigRemove.Count == 0;

    public static SecretChanges Parse(ParsedArgs a) => new()
    {
        SecretAdd = SecretOptions.Secrets(a, "secret-add") ?? [],
        SecretRemove = a.All("secret-rm").ToList(),
        ConfigAdd = SecretOptions.Configs(a, "config-add") ?? [],
        ConfigRemove = a.All("config-rm").ToList(),
    };

    /// <summary>
    /// <paramref name="spec"/> with the changes: references to a removed name go, an added one replaces any with the
    /// same target (the file it gives); an emptied list becomes null.
    /// </summary>
    public ServiceSpec Apply(ServiceSpec spec)
    {
        if (IsEmpty)
        {
            return spec;
        }

        var secrets = (spec.Secrets ?? []).Where(r => !SecretRemove.Contains(r.Source)).ToList();
        foreach (var added in SecretAdd)
        {
            secrets.RemoveAll(r => TargetOf(r.Source, r.Target) == TargetOf(added.Source, added.Target));
            secrets.Add(added);
        }

        var configs = (spec.Configs ?? []).Where(r => !ConfigRemove.Contains(r.Source)).ToList();
        foreach (var added in ConfigAdd)
        {
            configs.RemoveAll(r => TargetOf(r.Source, r.Target) == TargetOf(added.Source, added.Target));
            configs.Add(added);
        }

        return spec with { Secrets = secrets.Count > 0 ? secrets : null, Configs = configs.Count > 0 ? configs : null };
    }

    private static string TargetOf(string source, string? target) => string.IsNullOrEmpty(target) ? source : target;
}
