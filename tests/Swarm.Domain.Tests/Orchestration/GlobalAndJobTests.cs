using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.Domain.Orchestration.Global;
using Swarm.Domain.Orchestration.Jobs;
using Swarm.Domain.Orchestration;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Tests.Orchestration;

public class GlobalAndJobTests
{
    private static readonly Dictionary<Guid, string> NoneDown = [];

    private static Node NewNode(string host, NodeAvailability availability = NodeAvailability.Active, NodeStatus status = NodeStatus.Ready, Dictionary<string, string>? labels = null) =>
        Node.Create(new NodeRegistered { NodeId = Guid.NewGuid(), Description = new NodeDescription { Hostname = host, Os = "linux", Architecture = "x86_64" }, At = Scenario.T0 })
            with { Status = status, Availability = availability, Labels = labels ?? [] };

    private static Service NewService(ServiceSpec spec) => Service.Create(new ServiceCreated { ServiceId = Guid.NewGuid(), Spec = ServiceSpecValidator.Normalize(spec), CreatedAt = Scenario.T0 });

    private static List<SwarmTask> ApplyGlobal(Service service, List<SwarmTask> tasks, ReconcilePlan plan, DateTimeOffset now)
    {
        var result = Scenario.Apply(service, tasks, plan, now);
        Assert.Equal(result.Count, result.Select(t => t.Id).Distinct().Count());
        return result;
    }

    private static List<SwarmTask> RunAll(List<SwarmTask> tasks, TaskState end = TaskState.Running) => tasks.Select(t =>
        t.IsTerminal ? t
        : t.DesiredState is DesiredState.Running or DesiredState.Completed ? t with { State = end, StartedAt = Scenario.T0 }
        : t.DesiredState >= DesiredState.Shutdown ? t with { State = TaskState.Shutdown } : t).ToList();

    [Fact]
    public void A_global_service_runs_one_task_per_ready_node_and_follows_nodes()
    {
        var service = NewService(new ServiceSpec { Name = "agent", Mode = "global", Command = ["sleep", "1d"] });
        List<Node> nodes = [NewNode("a"), NewNode("b"), NewNode("c")];

        var plan = GlobalReconciler.Reconcile(service, [], nodes, Scenario.T0);
        Assert.Equal(3, plan.Create.Count);
        Assert.Equal(nodes.Select(n => (Guid?)n.Id).Order(), plan.Create.Select(c => c.NodeId).Order());
        var tasks = RunAll(ApplyGlobal(service, [], plan, Scenario.T0));
        Assert.True(GlobalReconciler.Reconcile(service, tasks, nodes, Scenario.T0).IsEmpty);

        // a fourth node joins
        nodes.Add(NewNode("d"));
        plan = GlobalReconciler.Reconcile(service, tasks, nodes, Scenario.T0);
        Assert.Equal(nodes[3].Id, Assert.Single(plan.Create).NodeId);
        tasks = RunAll(ApplyGlobal(service, tasks, plan, Scenario.T0));
        Assert.Equal(4, tasks.Count(t => t.State == TaskState.Running));

        // drain one: its task is shut down, nothing replaces it
        nodes[1] = nodes[1] with { Availability = NodeAvailability.Drain };
        plan = GlobalReconciler.Reconcile(service, tasks, nodes, Scenario.T0);
        Assert.Empty(plan.Create);
        var change = Assert.Single(plan.Changes);
        Assert.Equal((DesiredState.Shutdown, "node is drained"), (change.DesiredState, change.Reason));
        tasks = RunAll(ApplyGlobal(service, tasks, plan, Scenario.T0));
        Assert.Equal(3, tasks.Count(t => t.State == TaskState.Running));
    }

    [Fact]
    public void Paused_nodes_keep_their_global_task_but_get_no_new_one_and_down_nodes_lose_it()
    {
        var service = NewService(new ServiceSpec { Name = "agent", Mode = "global", Command = ["sleep", "1d"] });
        List<Node> nodes = [NewNode("a"), NewNode("p", NodeAvailability.Pause)];
        var plan = GlobalReconciler.Reconcile(service, [], nodes, Scenario.T0);
        Assert.Equal(nodes[0].Id, Assert.Single(plan.Create).NodeId);
        var tasks = RunAll(ApplyGlobal(service, [], plan, Scenario.T0));

        nodes[0] = nodes[0] with { Availability = NodeAvailability.Pause };
        Assert.True(GlobalReconciler.Reconcile(service, tasks, nodes, Scenario.T0).IsEmpty);

        nodes[0] = nodes[0] with { Status = NodeStatus.Down };
        Assert.Equal("node is down", Assert.Single(GlobalReconciler.Reconcile(service, tasks, nodes, Scenario.T0).Changes).Reason);
    }

    [Fact]
    public void Global_tasks_go_only_to_nodes_matching_the_constraints()
    {
        var spec = new ServiceSpec { Name = "gpu", Mode = "global", Command = ["x"], Placement = new PlacementSpec { Constraints = ["node.labels.gpu==yes"] } };
        var service = NewService(spec);
        List<Node> nodes = [NewNode("a", labels: new() { ["gpu"] = "yes" }), NewNode("b")];
        var plan = GlobalReconciler.Reconcile(service, [], nodes, Scenario.T0);
        Assert.Equal(nodes[0].Id, Assert.Single(plan.Create).NodeId);
        var tasks = RunAll(ApplyGlobal(service, [], plan, Scenario.T0));

        nodes[0] = nodes[0] with { Labels = new Dictionary<string, string>() };
        var change = Assert.Single(GlobalReconciler.Reconcile(service, tasks, nodes, Scenario.T0).Changes);
        Assert.Equal(DesiredState.Shutdown, change.DesiredState);
    }

    [Fact]
    public void A_replicated_job_runs_ten_completions_never_more_than_three_at_once()
    {
        var service = NewService(new ServiceSpec { Name = "batch", Mode = "replicated-job", TotalCompletions = 10, MaxConcurrent = 3, Command = ["true"] });
        var tasks = new List<SwarmTask>();
        var maxActive = 0;
        for (var round = 0; round < 20; round++)
        {
            var plan = JobReconciler.Reconcile(service, tasks, NoneDown, Scenario.T0);
            tasks = ApplyGlobal(service, tasks, plan, Scenario.T0);
            Assert.All(plan.Create, c => Assert.Equal(DesiredState.Completed, c.DesiredState));
            var active = tasks.Count(t => !t.IsTerminal);
            maxActive = Math.Max(maxActive, active);
            tasks = RunAll(tasks, TaskState.Complete);
        }

        Assert.Equal(3, maxActive);
        Assert.Equal(10, tasks.Count(t => t.State == TaskState.Complete));
        Assert.Equal(Enumerable.Range(0, 10), tasks.Select(t => t.Slot).Order());
        Assert.True(JobReconciler.Reconcile(service, tasks, NoneDown, Scenario.T0).IsEmpty);
    }

    [Fact]
    public void A_failed_job_task_is_retried_in_its_slot_and_a_new_iteration_removes_the_old_tasks()
    {
        var service = NewService(new ServiceSpec { Name = "batch", Mode = "replicated-job", TotalCompletions = 2, MaxConcurrent = 2, Command = ["x"], RestartPolicy = new RestartPolicySpec { Condition = "on-failure", DelaySeconds = 0 } });
        var tasks = RunAll(ApplyGlobal(service, [], JobReconciler.Reconcile(service, [], NoneDown, Scenario.T0), Scenario.T0));
        tasks = Scenario.Fail(tasks, t => t.Slot == 0, Scenario.T0);
        tasks = tasks.Select(t => t.Slot == 1 ? t with { State = TaskState.Complete } : t).ToList();

        var plan = JobReconciler.Reconcile(service, tasks, NoneDown, Scenario.T0);
        var retry = Assert.Single(plan.Create);
        Assert.Equal((0, 2), (retry.Slot, retry.Attempt));

        var next = service.Apply(new ServiceUpdated { ServiceId = service.Id, Spec = service.Spec with { Command = ["y"] }, PreviousSpec = service.Spec, SpecVersion = 2, UpdatedAt = Scenario.T0 });
        plan = JobReconciler.Reconcile(next, ApplyGlobal(service, tasks, plan, Scenario.T0), NoneDown, Scenario.T0);
        Assert.Equal(2, plan.Create.Count);
        Assert.All(plan.Create, c => Assert.Equal(1, c.Attempt));
        Assert.Equal(3, plan.Changes.Count(c => c.DesiredState == DesiredState.Remove));
    }

    [Fact]
    public void A_global_job_completes_once_per_node()
    {
        var service = NewService(new ServiceSpec { Name = "once", Mode = "global-job", Command = ["x"] });
        List<Node> nodes = [NewNode("a"), NewNode("b")];
        var tasks = RunAll(ApplyGlobal(service, [], GlobalReconciler.Reconcile(service, [], nodes, Scenario.T0), Scenario.T0), TaskState.Complete);
        Assert.Equal(2, tasks.Count(t => t.State == TaskState.Complete));
        Assert.True(GlobalReconciler.Reconcile(service, tasks, nodes, Scenario.T0).IsEmpty);
    }

    [Theory]
    [InlineData("global", 3, null, null, "spec.replicas")]
    [InlineData("replicated", null, 5, null, "spec.totalCompletions")]
    [InlineData("replicated-job", null, 5, 0, "spec.maxConcurrent")]
    [InlineData("daemon", null, null, null, "spec.mode")]
    public void Mode_specific_fields_are_checked(string mode, int? replicas, int? completions, int? concurrent, string field)
    {
        var error = ServiceSpecValidator.Validate(new ServiceSpec { Name = "x", Mode = mode, Replicas = replicas, TotalCompletions = completions, MaxConcurrent = concurrent, Command = ["x"] });
        Assert.Equal(field, error?.Field);
    }
}
