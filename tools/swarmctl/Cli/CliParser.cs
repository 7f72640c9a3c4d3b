namespace Swarm.Ctl.Cli;

/// <summary>What a command line asks for.</summary>
public abstract record ParseResult;

/// <summary>
/// A command to run, against the API at <see cref="Host"/> when one was given with <c>--host</c>, with the TLS files
/// given by <c>--tls-dir</c> / <c>--tlscacert</c> / <c>--tlscert</c> / <c>--tlskey</c> (empty when none).
/// </summary>
public sealed record ParsedCommand(CliCommand Command, string? Host, TlsFlags? Tls = null) : ParseResult;

/// <summary>The TLS flags as given; <see cref="TlsFlags.Resolve"/> turns them into files.</summary>
public sealed record TlsFlags(string? Dir, string? CaCert, string? Cert, string? Key)
{
    public static readonly TlsFlags None = new(null, null, null, null);

    public bool IsEmpty => Dir is null && CaCert is null && Cert is null && Key is null;
}

/// <summary>Help was asked for (or a group was named without a command): print <see cref="Text"/>.</summary>
public sealed record HelpRequested(string Text, bool IsError = false) : ParseResult;

/// <summary>The command line is wrong: print <see cref="Message"/> and <see cref="Hint"/>, exit 2.</summary>
public sealed record UsageError(string Message, string Hint) : ParseResult;

/// <summary>
/// Turns swarmctl's arguments into a <see cref="CliCommand"/>. Pure: no I/O, no environment.
/// Grammar: <c>swarmctl [--host URL] GROUP VERB [FLAGS] [ARGS] [-- COMMAND...]</c>; flags take
/// <c>--flag value</c> or <c>--flag=value</c>; <c>-h</c>/<c>--help</c> anywhere shows the help of the
/// command named so far.
/// </summary>
public static class CliParser
{
    /// <summary>Global flags that take a value besides <c>--host</c>: the TLS files.</summary>
    public static readonly IReadOnlyList<string> TlsFlagNames = ["tls-dir", "tlscacert", "tlscert", "tlskey"];

    public static ParseResult Parse(IReadOnlyList<string> args)
    {
        string? host = null;
        var tls = new Dictionary<string, string>(StringComparer.Ordinal);
        var help = false;
        var words = new List<string>();
        var i = 0;

        // global flags and the command words
        while (i < args.Count)
        {
            var arg = args[i];
            if (TryHost(args, ref i, out var h, out var hostError))
            {
                if (hostError is not null)
                {
                    return new UsageError(hostError, "See 'swarmctl --help'.");
                }

                host = h;
                continue;
            }

            if (TryTls(args, ref i, tls, out var tlsError))
            {
                if (tlsError is not null)
                {
                    return new UsageError(tlsError, "See 'swarmctl --help'.");
                }

                continue;
            }

            if (arg is "-h" or "--help")
            {
                help = true;
                i++;
                continue;
            }

            if (arg.StartsWith('-'))
            {
                break;
            }

            words.Add(arg);
            i++;
            if (words.Count == (words[0] == "help" ? 3 : 2))
            {
                break;
            }
        }

        if (words.Count > 0 && words[0] == "help")
        {
            words.RemoveAt(0);
            help = true;
        }

        if (words.Count == 0)
        {
            return help
                ? new HelpRequested(HelpText.Overview())
                : i < args.Count
                    ? new UsageError($"unknown flag '{args[i]}'", "See 'swarmctl --help'.")
                    : new HelpRequested(HelpText.Overview(), IsError: true);
        }

        var group = Commands.Groups.FirstOrDefault(g => g.Name == words[0]);
        if (group is null)
        {
            return new UsageError($"unknown command '{words[0]}'", "See 'swarmctl --help'.");
        }

        if (words.Count == 1)
        {
            if (help)
            {
                return new HelpRequested(HelpText.Group(group));
            }

            return i < args.Count
                ? new UsageError($"unknown flag '{args[i]}' for \"{group.Name}\"", $"See 'swarmctl {group.Name} --help'.")
                : new HelpRequested(HelpText.Group(group), IsError: true);
        }

        var spec = group.Commands.FirstOrDefault(c => c.Matches(words[1]));
        if (spec is null)
        {
            return new UsageError($"unknown command '{group.Name} {words[1]}'", $"See 'swarmctl {group.Name} --help'.");
        }

        var hint = $"See 'swarmctl {spec.Path} --help'.";
        var parsed = new ParsedArgs();
        while (i < args.Count)
        {
            var arg = args[i];
            if (parsed.CommandGiven)
            {
                parsed.Command.Add(arg);
                i++;
                continue;
            }

            if (arg == "--")
            {
                if (spec.CommandAfter is null)
                {
                    parsed.Positionals.AddRange(args.Skip(i + 1));
                    break;
                }

                parsed.CommandGiven = true;
                i++;
                continue;
            }

            if (TryHost(args, ref i, out var h, out var hostError))
            {
                if (hostError is not null)
                {
                    return new UsageError(hostError, hint);
                }

                host = h;
                continue;
            }

            if (TryTls(args, ref i, tls, out var tlsError))
            {
                if (tlsError is not null)
                {
                    return new UsageError(tlsError, hint);
                }

                continue;
            }

            if (arg is "-h" or "--help")
            {
                help = true;
                i++;
                continue;
            }

            if (arg.Length > 1 && arg.StartsWith('-'))
            {
                var error = ReadFlag(spec, args, ref i, parsed);
                if (error is not null)
                {
                    return help || HelpFollows(args, i) ? new HelpRequested(HelpText.Command(spec)) : new UsageError(error, hint);
                }

                continue;
            }

            if (spec.CommandAfter is { } after && parsed.Positionals.Count >= after)
            {
                parsed.CommandGiven = true;
                parsed.Command.Add(arg);
            }
            else
            {
                parsed.Positionals.Add(arg);
            }

            i++;
        }

        if (help)
        {
            return new HelpRequested(HelpText.Command(spec));
        }

        if (parsed.Positionals.Count < spec.MinArgs)
        {
            var what = spec.Usage[(spec.Usage.IndexOf(spec.Verb, StringComparison.Ordinal) + spec.Verb.Length)..].Replace("[OPTIONS]", "", StringComparison.Ordinal).Trim();
            return new UsageError($"\"{spec.Path}\" requires {(spec.MinArgs == 1 ? "an argument" : $"{spec.MinArgs} arguments")}: {what}", hint);
        }

        if (parsed.Positionals.Count > spec.MaxArgs)
        {
            var extra = parsed.Positionals[spec.MaxArgs];
            return new UsageError(spec.MaxArgs == 0
                ? $"\"{spec.Path}\" takes no arguments, got '{extra}'"
                : $"\"{spec.Path}\" takes {spec.MaxArgs} argument{(spec.MaxArgs == 1 ? "" : "s")}, got '{extra}' too", hint);
        }

        try
        {
            var tlsFlags = new TlsFlags(tls.GetValueOrDefault("tls-dir"), tls.GetValueOrDefault("tlscacert"), tls.GetValueOrDefault("tlscert"), tls.GetValueOrDefault("tlskey"));
            return new ParsedCommand(spec.Build(parsed), host, tlsFlags.IsEmpty ? null : tlsFlags);
        }
        catch (UsageException ex)
        {
            return new UsageError(ex.Message, hint);
        }
    }

    private static bool HelpFollows(IReadOnlyList<string> args, int from) =>
        args.Skip(from).TakeWhile(a => a != "--").Any(a => a is "-h" or "--help");

    private static bool TryHost(IReadOnlyList<string> args, ref int i, out string? host, out string? error)
    {
        host = null;
        error = null;
        var arg = args[i];
        if (arg is "--host" or "-H")
        {
            if (i + 1 >= args.Count)
            {
                error = "flag --host needs a value (URL of the control API)";
                i++;
                return true;
            }

            host = args[i + 1];
            i += 2;
        }
        else if (arg.StartsWith("--host=", StringComparison.Ordinal))
        {
            host = arg["--host=".Length..];
            i++;
        }
        else
        {
            return false;
        }

        if (!Uri.TryCreate(host, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "unix"))
        {
            error = $"invalid value '{host}' for --host: expected unix:///path/control.sock or https://host:port";
        }

        return true;
    }

    /// <summary>Reads <c>--tls-dir DIR</c>, <c>--tlscacert FILE</c>, <c>--tlscert FILE</c>, <c>--tlskey FILE</c> (or <c>--flag=value</c>).</summary>
    private static bool TryTls(IReadOnlyList<string> args, ref int i, Dictionary<string, string> tls, out string? error)
    {
        error = null;
        var arg = args[i];
        if (!arg.StartsWith("--", StringComparison.Ordinal))
        {
            return false;
        }

        var eq = arg.IndexOf('=', StringComparison.Ordinal);
        var name = eq < 0 ? arg[2..] : arg[2..eq];
        if (!TlsFlagNames.Contains(name))
        {
            return false;
        }

        string? value;
        if (eq >= 0)
        {
            value = arg[(eq + 1)..];
            i++;
        }
        else if (i + 1 < args.Count)
        {
            value = args[i + 1];
            i += 2;
        }
        else
        {
            error = $"flag --{name} needs a value ({(name == "tls-dir" ? "DIR" : "FILE")})";
            i++;
            return true;
        }

        if (value.Length == 0)
        {
            error = $"flag --{name} needs a value ({(name == "tls-dir" ? "DIR" : "FILE")})";
        }

        tls[name] = value;
        return true;
    }

    private static string? ReadFlag(CommandSpec spec, IReadOnlyList<string> args, ref int i, ParsedArgs parsed)
    {
        var arg = args[i++];
        string name;
        string? inline = null;
        FlagSpec? flag;
        if (arg.StartsWith("--", StringComparison.Ordinal))
        {
            var body = arg[2..];
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            name = eq < 0 ? body : body[..eq];
            inline = eq < 0 ? null : body[(eq + 1)..];
            flag = spec.FindLong(name);
        }
        else
        {
            name = arg[1..2];
            inline = arg.Length > 2 ? arg[2..].TrimStart('=') : null;
            flag = spec.FindShort(name);
        }

        if (flag is null)
        {
            return $"unknown flag '{arg}' for \"{spec.Path}\"";
        }

        if (flag.IsSwitch)
        {
            try
            {
                ParsedArgs.ParseBool(flag.Name, inline ?? "true");
            }
            catch (UsageException ex)
            {
                return ex.Message;
            }

            parsed.Add(flag.Name, inline ?? "true");
            return null;
        }

        if (inline is null)
        {
            if (i >= args.Count)
            {
                return $"flag --{flag.Name} needs a value ({flag.ValueName})";
            }

            inline = args[i++];
        }

        if (!flag.Repeatable && parsed.Has(flag.Name) && parsed.Get(flag.Name) != inline)
        {
            return $"flag --{flag.Name} was given twice";
        }

        parsed.Add(flag.Name, inline);
        return null;
    }
}
