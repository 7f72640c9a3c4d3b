namespace Swarm.Ctl.Cli;

/// <summary>
/// One command of the command line: its words, help, flags and how its arguments become a
/// <see cref="CliCommand"/>. <see cref="CommandAfter"/>, when set, is the number of positional arguments
/// after which the remaining arguments are the program to run (flag parsing stops there too).
/// </summary>
public sealed record CommandSpec(
    string Group,
    string Verb,
    string Summary,
    string Usage,
    IReadOnlyList<FlagSpec> Flags,
    IReadOnlyList<string> Examples,
    int MinArgs,
    int MaxArgs,
    Func<ParsedArgs, CliCommand> Build,
    string[]? Aliases = null,
    int? CommandAfter = null,
    string? Description = null)
{
    public string Path => $"{Group} {Verb}";

    public bool Matches(string verb) => Verb == verb || (Aliases?.Contains(verb) ?? false);

    public FlagSpec? FindLong(string name) => Flags.FirstOrDefault(f => f.Name == name);

    public FlagSpec? FindShort(string name) => Flags.FirstOrDefault(f => f.Short == name);
}

/// <summary>A group of commands (<c>node</c>, <c>service</c>, <c>task</c>).</summary>
public sealed record CommandGroup(string Name, string Summary, IReadOnlyList<CommandSpec> Commands);
