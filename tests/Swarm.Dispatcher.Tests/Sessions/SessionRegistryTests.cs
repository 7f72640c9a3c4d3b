using Microsoft.Extensions.Time.Testing;
using Swarm.Dispatcher.Sessions;

namespace Swarm.Dispatcher.Tests.Sessions;

public sealed class SessionRegistryTests
{
    [Fact]
    public void Registering_again_replaces_and_closes_the_previous_session_of_the_node()
    {
        var registry = new SessionRegistry();
        var node = Guid.NewGuid();
        var first = registry.Open(node);
        var stream = new AssignmentStream(new FakeTimeProvider(), TimeSpan.FromMilliseconds(50));
        Assert.True(first.Attach(stream));

        var second = registry.Open(node);

        Assert.NotEqual(first.SessionId, second.SessionId);
        Assert.Null(registry.Find(first.SessionId));
        Assert.Same(second, registry.ForNode(node));
        Assert.True(first.IsClosed);
        Assert.True(stream.Messages.Completion.IsCompleted);
        Assert.False(first.Attach(new AssignmentStream(new FakeTimeProvider(), TimeSpan.FromMilliseconds(50))));
    }

    [Fact]
    public void Closing_an_old_session_leaves_the_current_one_alone()
    {
        var registry = new SessionRegistry();
        var node = Guid.NewGuid();
        var first = registry.Open(node);
        var second = registry.Open(node);

        Assert.False(registry.Close(first));
        Assert.Same(second, registry.ForNode(node));
        Assert.True(registry.CloseNode(node));
        Assert.False(registry.HasSession(node));
    }
}
