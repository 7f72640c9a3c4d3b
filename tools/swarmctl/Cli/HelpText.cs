using System.Text;

namespace Swarm.Ctl.Cli;

/// <summary>The help screens of swarmctl.</summary>
public static class HelpText
{
    private const string GlobalOptions = """
        Global options:
          -H, --host ADDRESS   Control API: unix:///path/control.sock or https://host:port
                               (default: $SWARM_API, else the control socket {DefaultSocket})
              --tls-dir DIR    With https: ca.pem, cert.pem and key.pem (default: $SWARM_CERT_PATH)
              --tlscacert FILE The cluster's root CA (instead of --tls-dir)
              --tlscert FILE   Your client certificate (swarmctl cluster ca --issue-client-cert)
              --tlskey FILE    Its key
          -h, --help           Show help
        """;

    public static string Overview()
    {
        var sb = new StringBuilder();
        sb.AppendLine("Usage:  swarmctl [--host URL] COMMAND [OPTIONS]");
        sb.AppendLine();
        sb.AppendLine("Command-line client of a Swarm cluster (talks to its control API).");
        sb.AppendLine();
        foreach (var group in Commands.Groups)
        {
            sb.AppendLine($"{group.Summary}:");
            foreach (var c in group.Commands)
            {
                sb.AppendLine($"  {c.Path,-18} {c.Summary}");
            }

            sb.AppendLine();
        }

        sb.AppendLine(GlobalOptions.Replace("{DefaultSocket}", Swarm.ControlApi.Contracts.ControlSocket.DefaultPath(), StringComparison.Ordinal));
        sb.AppendLine();
        sb.AppendLine("Exit status: 0 on success, 1 when the cluster refused or failed, 2 on a bad command line.");
        sb.AppendLine("Run 'swarmctl COMMAND --help' for more on a command.");
        return sb.ToString();
    }

    public static string Group(CommandGroup group)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Usage:  swarmctl {group.Name} COMMAND");
        sb.AppendLine();
        sb.AppendLine(group.Summary);
        sb.AppendLine();
        sb.AppendLine("Commands:");
        foreach (var c in group.Commands)
        {
            var aliases = c.Aliases is { Length: > 0 } a ? $" (alias: {string.Join(", ", a)})" : "";
            sb.AppendLine($"  {c.Verb,-10} {c.Summary}{aliases}");
        }

        sb.AppendLine();
        sb.AppendLine($"Run 'swarmctl {group.Name} COMMAND --help' for more on a command.");
        return sb.ToString();
    }

    public static string Command(CommandSpec spec)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Usage:  {spec.Usage}");
        sb.AppendLine();
        sb.AppendLine(spec.Summary);
        if (spec.Description is { } description)
        {
            sb.AppendLine();
            sb.AppendLine(description);
        }

        if (spec.Aliases is { Length: > 0 } aliases)
        {
            sb.AppendLine();
            sb.AppendLine($"Aliases: {string.Join(", ", aliases.Select(a => $"{spec.Group} {a}"))}");
        }

        sb.AppendLine();
        sb.AppendLine("Options:");
        static string Head(FlagSpec f) => (f.Short is { } s ? $"-{s}, " : "    ") + $"--{f.Name}" + (f.ValueName is { } v ? $" {v}" : "");

        // the help texts line up after the longest flag (34 columns at least)
        var width = spec.Flags.Select(f => Head(f).Length).Append(34).Max();
        foreach (var f in spec.Flags)
        {
            var repeat = f.Repeatable ? " (repeatable)" : "";
            sb.AppendLine($"  {Head(f).PadRight(width)} {f.Help}{repeat}");
        }

        sb.AppendLine($"  {"-h, --help".PadRight(width)} Show this help");
        sb.AppendLine($"  {"-H, --host ADDRESS".PadRight(width)} Control API: unix:///path or https://host:port (default: $SWARM_API, else the control socket)");
        sb.AppendLine($"  {"    --tls-dir DIR".PadRight(width)} With https: ca.pem, cert.pem, key.pem (or --tlscacert/--tlscert/--tlskey; default $SWARM_CERT_PATH)");
        if (spec.Flags.Any(f => !f.IsSwitch && f.ValueName == "DURATION"))
        {
            sb.AppendLine();
            sb.AppendLine("Durations: 500ms, 5s, 1m30s, 2h, 90d (a bare number is seconds).");
        }

        if (spec.Examples.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Examples:");
            foreach (var example in spec.Examples)
            {
                sb.AppendLine($"  {example}");
            }
        }

        return sb.ToString();
    }
}
