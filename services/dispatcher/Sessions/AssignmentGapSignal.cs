namespace Swarm.Dispatcher.Sessions;

/// <summary>
/// Asks for a full-set round now rather than at the end of the period: raised when the assignment
/// queue was lost (the broker restarted, or the connection to it dropped), since messages sent to it
/// meanwhile are gone.
/// </summary>
public sealed class AssignmentGapSignal
{
    private readonly SemaphoreSlim _raised = new(0, 1);

    public void Raise()
    {
        try
        {
            _raised.Release();
        }
        catch (SemaphoreFullException)
        {
            // already raised: one round covers both
        }
    }

    /// <summary>True when raised within <paramref name="timeout"/>.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _raised.WaitAsync(timeout, cancellationToken);
}
