using MassTransit;
using Swarm.Dispatcher.Sessions;

namespace Swarm.Dispatcher.Consumers;

/// <summary>
/// Watches the <see cref="AssignmentEndpoint"/>: when it becomes ready again after its first start, the
/// broker connection was lost and the temporary queue with whatever it held, so a full-set round runs
/// at once (<see cref="AssignmentGapSignal"/>).
/// </summary>
public sealed class AssignmentEndpointObserver : IReceiveEndpointObserver
{
    private readonly AssignmentEndpoint _endpoint;
    private readonly AssignmentGapSignal _gap;
    private int _ready;

    public AssignmentEndpointObserver(AssignmentEndpoint endpoint, AssignmentGapSignal gap)
    {
        _endpoint = endpoint;
        _gap = gap;
    }

    public Task Ready(ReceiveEndpointReady ready)
    {
        if (IsAssignmentEndpoint(ready.InputAddress) && Interlocked.Increment(ref _ready) > 1)
        {
            _gap.Raise();
        }

        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

    private bool IsAssignmentEndpoint(Uri address) =>
        address.AbsolutePath.TrimEnd('/').EndsWith("/" + _endpoint.Name, StringComparison.Ordinal);
}
