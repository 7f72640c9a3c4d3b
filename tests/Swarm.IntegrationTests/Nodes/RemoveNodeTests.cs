using Marten;
using MassTransit;
using Swarm.ControlApi.Nodes;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Cluster;
using Swarm.EventStore.Queries;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Nodes;

/// <summary>
/// <c>node rm</c> through the real log and bus: a ready node only with force; the node leaves every list and
/// lookup; its tasks are replaced on another node and the ones it held are orphaned; a second removal is not found.
/// </summary>
public sealed class RemoveNodeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static async Task<Response<CommandAccepted, CommandRejected>> RemoveAsync(Managers managers, string node, bool force, Guid? commandId = null)
    {
        var client = managers.Bus.CreateRequestClient<RemoveNode>(RequestTimeout.After(s: 20));
        return await client.GetResponse<CommandAccepted, CommandRejected>(new RemoveNode { CommandId = commandId ?? Guid.NewGuid(), Node = node, Force = force });
    }

    private static CommandRejected Rejected(Response<CommandAccepted, CommandRejected> response) =>
        response.Is(out Response<CommandRejected>? rejected) ? rejected!.Message : throw new Xunit.Sdk.XunitException("the command was accepted");

    [SkippableFact]
    public async Task A_ready_node_is_removed_only_with_force_and_its_tasks_move_to_another_node()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var a = await managers.AddNodeAsync("a");
        var b = await managers.AddNodeAsync("b");
        var serviceId = (await managers.AcceptedAsync(new CreateService
        {
            CommandId = Guid.NewGuid(),
            Spec = new ServiceSpec { Name = "web", Replicas = 2, Command = ["sleep", "3600"], RestartPolicy = new RestartPolicySpec { Condition = "any", DelaySeconds = 0 } },
        })).Id;
        await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 2 && t.All(x => x.State == TaskState.Assigned), Timeout, "2 assigned");
        await managers.RunAssignedAsync();
        var tasks = await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count(x => x.State == TaskState.Running) == 2, Timeout, "2 running");
        var (gone, kept) = tasks[0].NodeId == a ? (a, b) : (b, a);
        var goneHost = gone == a ? "a" : "b";
        var onGone = tasks.Where(t => t.NodeId == gone).Select(t => t.Id).ToList();
        await managers.SettleAsync(TimeSpan.FromSeconds(2), Timeout);
        var before = await managers.EventCountAsync();

        // ready: refused without force, nothing written
        var refused = Rejected(await RemoveAsync(managers, goneHost, force: false));
        Assert.Equal(("conflict", "node", $"node {goneHost} is ready: drain it and stop its agent first, or use --force"), (refused.Code, refused.Field, refused.Reason));
        Assert.Equal(before, await managers.EventCountAsync());

        // forced: removed, gone from the node list, the lookup and the counts
        var removeId = Guid.NewGuid();
        var accepted = await RemoveAsync(managers, goneHost, force: true, removeId);
        Assert.True(accepted.Is(out Response<CommandAccepted>? ok), "the forced removal was refused");
        Assert.Equal(gone, ok!.Message.Id);
        await using (var query = managers.Store.QuerySession())
        {
            Assert.Equal(new[] { kept }, (await NodeQueries.ListAsync(query, default)).Select(n => n.Id));
            Assert.NotNull((await NodeQueries.FindAsync(query, gone.ToString(), default)).Error);
            Assert.NotNull((await NodeQueries.FindAsync(query, goneHost, default)).Error);
            var removed = await query.Events.FetchStreamAsync(gone);
            Assert.True(Assert.IsType<NodeRemoved>(removed[^1].Data).Forced);
        }

        Assert.Equal(1, (await managers.Store.CountReadModelsAsync(default)).Nodes.Sum(n => n.Count));

        // its tasks are replaced on the other node (the scheduler never picks the removed one, though it was
        // ready when removed), and the ones it held are orphaned: no agent can report them stopped
        tasks = await Eventually.WaitAsync(
            () => managers.TasksAsync(serviceId),
            t => t.Count(x => x.DesiredState == DesiredState.Running && x.State == TaskState.Assigned && x.NodeId == kept) == onGone.Count,
            Timeout,
            "replacements assigned to the node kept");
        Assert.DoesNotContain(tasks, t => t.NodeId == gone && t.DesiredState == DesiredState.Running);
        await managers.RunAssignedAsync(deadNode: gone);
        tasks = await Eventually.WaitAsync(
            () => managers.TasksAsync(serviceId),
            t => t.Count(x => x.State == TaskState.Running && x.DesiredState == DesiredState.Running && x.NodeId == kept) == 2 && onGone.All(id => t.Any(x => x.Id == id && x.State == TaskState.Orphaned)),
            Timeout,
            "2 running on the node kept, the removed node's tasks orphaned");

        // the same command again is answered as the first was; a new removal of the node is not found
        var again = await RemoveAsync(managers, goneHost, force: true, removeId);
        Assert.True(again.Is(out Response<CommandAccepted>? replayed), "the repeated removal was refused");
        Assert.Equal((gone, ok.Message.Version), (replayed!.Message.Id, replayed.Message.Version));
        var second = Rejected(await RemoveAsync(managers, gone.ToString(), force: true));
        Assert.Equal(("not-found", "node"), (second.Code, second.Field));
        Assert.Equal("not-found", Rejected(await RemoveAsync(managers, goneHost, force: true)).Code);
    }

    [SkippableFact]
    public async Task A_down_node_is_removed_without_force_and_can_no_longer_be_updated()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var dead = await managers.AddNodeAsync("dead");
        await managers.SetNodeStatusAsync(dead, NodeStatus.Down);

        var accepted = await RemoveAsync(managers, "dead", force: false);

        Assert.True(accepted.Is(out Response<CommandAccepted>? ok), "the removal of a down node was refused");
        Assert.Equal(dead, ok!.Message.Id);
        var update = await managers.SendAsync(new UpdateNode { CommandId = Guid.NewGuid(), Node = dead.ToString(), Availability = NodeAvailability.Drain });
        Assert.Equal(("not-found", "node"), (Rejected(update).Code, Rejected(update).Field));
    }

    [SkippableFact]
    public async Task The_node_certificate_lifetime_is_checked_and_recorded()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.SettleAsync(TimeSpan.FromSeconds(1), Timeout);
        var before = await managers.EventCountAsync();

        var tooShort = Rejected(await managers.SendAsync(new UpdateCluster { CommandId = Guid.NewGuid(), NodeCertExpirySeconds = 60 }));
        Assert.Equal(("invalid", "nodeCertExpirySeconds"), (tooShort.Code, tooShort.Field));
        var tooLong = Rejected(await managers.SendAsync(new UpdateCluster { CommandId = Guid.NewGuid(), NodeCertExpirySeconds = 11L * 365 * 24 * 3600 }));
        Assert.Equal(("invalid", "nodeCertExpirySeconds"), (tooLong.Code, tooLong.Field));
        Assert.Equal(before, await managers.EventCountAsync());

        await managers.AcceptedAsync(new UpdateCluster { CommandId = Guid.NewGuid(), NodeCertExpirySeconds = 7200 });
        await managers.AcceptedAsync(new UpdateCluster { CommandId = Guid.NewGuid(), TaskHistoryLimit = 3 });

        await using var query = managers.Store.QuerySession();
        var updates = (await query.Events.FetchStreamAsync(ClusterSettings.DefaultId)).Select(e => e.Data).OfType<ClusterUpdated>().ToList();
        Assert.Equal(new[] { (5, 7200L), (3, 7200L) }, updates.Select(u => (u.TaskHistoryLimit, u.NodeCertExpirySeconds)));
    }
}
