namespace Swarm.Worker;

/// <summary>The agent cannot go on: the host stops and the process exits with <see cref="ExitCode"/>.</summary>
public sealed class WorkerExitException(int exitCode, string message) : Exception(message)
{
    /// <summary>The node could not join, or left the cluster.</summary>
    public const int Failed = 1;

    /// <summary>A usage error (as a bad command line), such as a missing join token.</summary>
    public const int Usage = 2;

    public int ExitCode { get; } = exitCode;
}
