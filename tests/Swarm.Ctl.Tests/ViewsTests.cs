using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;
using Swarm.Ctl.Output;

namespace Swarm.Ctl.Tests;

public class ViewsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 20, 31, 2, 123, TimeSpan.Zero);
    private static readonly Guid WebId = Guid.Parse("0123456789abcdef0123456789abcdef");
    private static readonly Guid ApiId = Guid.Parse("fedcba9876543210fedcba9876543210");

    private static string[] Lines(string text)
    {
        Assert.EndsWith("\n", text);
        return text[..^1].Split('\n');
    }

    [Fact]
    public void Table_pads_columns_to_the_widest_cell_plus_three_spaces_and_trims_line_ends()
    {
        var text = Table.Render(["A", "LONG HEADER", "C"], [["xxxx", "y", ""], ["z"]]);

        Assert.Equal("A      LONG HEADER   C\nxxxx   y\nz\n", text);
    }

    [Fact]
    public void Service_ls_shows_12_char_ids_and_replicas_as_running_over_desired()
    {
        var text = Views.Services(
        [
            new ServiceSummary { Id = WebId, Name = "web", Replicas = 6, Running = 6, Command = ["sleep", "3600"] },
            new ServiceSummary { Id = ApiId, Name = "api", Replicas = 3, Running = 1, Image = "nginx:1", Command = ["nginx"] },
        ]);

        var lines = Lines(text);
        Assert.Equal(3, lines.Length);
        Assert.Equal(["ID", "NAME", "MODE", "REPLICAS", "IMAGE/COMMAND", "PORTS"], Cells(lines[0]));
        Assert.Equal(["0123456789ab", "web", "replicated", "6/6", "sleep", "3600"], Cells(lines[1]));
        Assert.Equal(["fedcba987654", "api", "replicated", "1/3", "nginx:1"], Cells(lines[2]));

        // columns line up: REPLICAS starts at the same offset in every line
        var at = lines[0].IndexOf("REPLICAS", StringComparison.Ordinal);
        Assert.Equal("6/6", lines[1].Substring(at, 3));
        Assert.Equal("1/3", lines[2].Substring(at, 3));
    }

    [Fact]
    public void Service_ls_quotes_command_arguments_with_spaces_and_truncates_long_ones()
    {
        var text = Views.Services(
        [
            new ServiceSummary { Id = WebId, Name = "crash", Replicas = 1, Command = ["sh", "-c", "exit 1"] },
            new ServiceSummary { Id = ApiId, Name = "long", Replicas = 1, Command = ["echo", new string('a', 100)] },
        ]);

        var lines = Lines(text);
        Assert.EndsWith("sh -c \"exit 1\"", lines[1]);
        Assert.EndsWith("…", lines[2]);
        Assert.Equal(60, lines[2][lines[0].IndexOf("IMAGE/COMMAND", StringComparison.Ordinal)..].Length);
    }

    [Fact]
    public void Service_ps_nests_older_tasks_of_a_slot_under_the_newest()
    {
        TaskSummary Task(string id, int slot, TaskState state, DesiredState desired, int minutesAgo, string? error = null) => new()
        {
            Id = Guid.Parse(id),
            Name = $"web.{slot}",
            Service = "web",
            ServiceId = WebId,
            Slot = slot,
            Node = "worker-1",
            State = state,
            DesiredState = desired,
            Error = error,
            UpdatedAt = Now.AddMinutes(-minutesAgo),
        };

        var text = Views.Tasks(
        [
            Task("11111111111111111111111111111111", 1, TaskState.Running, DesiredState.Running, 3),
            Task("22222222222222222222222222222222", 1, TaskState.Failed, DesiredState.Shutdown, 5, "exit code 1"),
            Task("33333333333333333333333333333333", 1, TaskState.Failed, DesiredState.Shutdown, 7, "exit code 1"),
            Task("44444444444444444444444444444444", 2, TaskState.Running, DesiredState.Running, 3),
        ], Now, noTrunc: false);

        var lines = Lines(text);
        Assert.Equal(5, lines.Length);
        // column widths: widest cell + 3 (ID 12, NAME 9 for " \_ web.1", NODE 8, DESIRED STATE 13, CURRENT STATE 21)
        Assert.Equal($"{"ID",-15}{"NAME",-12}{"NODE",-11}{"DESIRED STATE",-16}{"CURRENT STATE",-24}ERROR", lines[0]);
        Assert.Equal($"{"111111111111",-15}{"web.1",-12}{"worker-1",-11}{"Running",-16}Running 3 minutes ago", lines[1]);
        Assert.Equal($"{"222222222222",-15}{" \\_ web.1",-12}{"worker-1",-11}{"Shutdown",-16}{"Failed 5 minutes ago",-24}exit code 1", lines[2]);
        Assert.Equal($"{"333333333333",-15}{" \\_ web.1",-12}{"worker-1",-11}{"Shutdown",-16}{"Failed 7 minutes ago",-24}exit code 1", lines[3]);
        Assert.Equal($"{"444444444444",-15}{"web.2",-12}{"worker-1",-11}{"Running",-16}Running 3 minutes ago", lines[4]);
        Assert.Contains("    \\_ web.1   ", lines[2]);
    }

    [Fact]
    public void Slots_of_different_services_are_not_nested_under_each_other()
    {
        var text = Views.Tasks(
        [
            new TaskSummary { Id = Guid.NewGuid(), Name = "web.1", Service = "web", ServiceId = WebId, Slot = 1, UpdatedAt = Now },
            new TaskSummary { Id = Guid.NewGuid(), Name = "api.1", Service = "api", ServiceId = ApiId, Slot = 1, UpdatedAt = Now },
        ], Now, noTrunc: false);

        Assert.DoesNotContain("\\_", text);
    }

    [Fact]
    public void Service_ps_names_a_task_service_dot_slot_when_the_api_gave_no_name()
    {
        var text = Views.Tasks([new TaskSummary { Id = WebId, Service = "web", ServiceId = WebId, Slot = 4, UpdatedAt = Now }], Now, noTrunc: false);

        Assert.Contains("   web.4   ", Lines(text)[1]);
    }

    [Fact]
    public void Long_errors_are_cut_unless_no_trunc_is_given_which_also_shows_full_ids()
    {
        var error = "exec: \"nope\": executable file not found in $PATH; " + new string('x', 40);
        var tasks = new[] { new TaskSummary { Id = WebId, Name = "web.1", ServiceId = WebId, Slot = 1, Error = error, UpdatedAt = Now } };

        var cut = Lines(Views.Tasks(tasks, Now, noTrunc: false))[1];
        var full = Lines(Views.Tasks(tasks, Now, noTrunc: true))[1];

        Assert.StartsWith("0123456789ab   ", cut);
        Assert.EndsWith("…", cut);
        Assert.DoesNotContain(error, cut);
        Assert.Equal(Views.ErrorWidth, cut[cut.IndexOf("exec:", StringComparison.Ordinal)..].Length);
        Assert.StartsWith("0123456789abcdef0123456789abcdef   ", full);
        Assert.EndsWith(error, full);
    }

    [Fact]
    public void Node_ls_shows_status_availability_and_a_title_case_role()
    {
        var text = Views.Nodes(
        [
            new NodeView { Id = WebId, Hostname = "worker-1", Status = NodeStatus.Ready, Availability = NodeAvailability.Drain, Role = "worker" },
        ]);

        var lines = Lines(text);
        Assert.Equal("ID             HOSTNAME   STATUS   AVAILABILITY   ROLE", lines[0]);
        Assert.Equal("0123456789ab   worker-1   Ready    Drain          Worker", lines[1]);
    }

    [Fact]
    public void Node_inspect_marks_each_label_as_operator_or_agent_and_sorts_them()
    {
        var node = new NodeView
        {
            Id = WebId,
            Hostname = "worker-1",
            Status = NodeStatus.Down,
            StatusMessage = "heartbeat missed",
            Role = "worker",
            Os = "linux",
            Architecture = "x86_64",
            NanoCpus = 4_000_000_000,
            MemoryBytes = 8L * 1024 * 1024 * 1024,
            Labels = new Dictionary<string, string> { ["zone"] = "a", ["arch"] = "amd64" },
            OperatorLabels = new Dictionary<string, string> { ["zone"] = "a" },
            RegisteredAt = Now.AddHours(-3),
        };

        var text = Views.Node(node, Now);

        Assert.Contains($"{"Status:",-14}Down (heartbeat missed)\n", text);
        Assert.Contains($"{"Platform:",-14}linux/x86_64\n", text);
        Assert.Contains($"{"Resources:",-14}4 CPUs, 8 GiB memory\n", text);
        Assert.Contains($"{"Registered:",-14}2026-11-24T17:31:02.123Z (3 hours ago)\n", text);
        Assert.Contains($"{"Label:",-14}arch=amd64 (agent)\n{"Label:",-14}zone=a (operator)\n", text);
    }

    [Fact]
    public void Service_inspect_shows_why_the_service_cannot_be_reconciled_and_since_when()
    {
        var detail = new ServiceDetail
        {
            Id = WebId,
            Name = "web",
            Spec = new ServiceSpec { Name = "web", Command = ["sleep", "3600"] },
            ReconcileError = "TimeSpan overflowed (OverflowException); update the service with values in range",
            ReconcileErrorSince = Now.AddMinutes(-2),
            CreatedAt = Now.AddMinutes(-10),
            UpdatedAt = Now.AddMinutes(-10),
        };

        var text = Views.Service(detail, Now);

        Assert.Contains($"{"Reconcile error:",-19}TimeSpan overflowed (OverflowException); update the service with values in range (since {Humanize.Timestamp(Now.AddMinutes(-2))}, 2 minutes ago)\n", text);
        Assert.DoesNotContain("Reconcile error", Views.Service(detail with { ReconcileError = null, ReconcileErrorSince = null }, Now));
    }

    [Fact]
    public void Service_inspect_shows_defaults_for_an_unset_restart_policy_and_grace_period()
    {
        var detail = new ServiceDetail
        {
            Id = WebId,
            Name = "web",
            Replicas = 3,
            Running = 2,
            Spec = new ServiceSpec { Name = "web", Command = ["sleep", "3600"] },
            CreatedAt = Now.AddMinutes(-10),
            UpdatedAt = Now.AddSeconds(-30),
        };

        var text = Views.Service(detail, Now);

        Assert.Contains($"{"ID:",-19}0123456789abcdef0123456789abcdef\n", text);
        Assert.Contains($"{"Replicas:",-19}2/3 running\n", text);
        Assert.Contains($"{"Mode:",-19}Replicated\n", text);
        Assert.Contains($"{"Command:",-19}sleep 3600\n", text);
        Assert.Contains($"{"Restart policy:",-19}condition any, delay 5s, max attempts unlimited\n", text);
        Assert.Contains($"{"Stop grace period:",-19}10s\n", text);
        Assert.Contains("(10 minutes ago)", text);
        Assert.Contains("(30 seconds ago)", text);
        Assert.DoesNotContain("Image:", text);
    }

    [Fact]
    public void Service_inspect_formats_a_set_restart_policy_with_durations()
    {
        var detail = new ServiceDetail
        {
            Id = WebId,
            Name = "web",
            Spec = new ServiceSpec
            {
                Name = "web",
                Command = ["app"],
                Env = new Dictionary<string, string> { ["DSN"] = "host=db" },
                RestartPolicy = new RestartPolicySpec { Condition = "on-failure", DelaySeconds = 90, MaxAttempts = 3, WindowSeconds = 0.5 },
                StopGracePeriodSeconds = 3600,
            },
            TaskStates = new Dictionary<string, int> { ["running"] = 2 },
            CreatedAt = Now,
            UpdatedAt = Now,
        };

        var text = Views.Service(detail, Now);

        Assert.Contains($"{"Env:",-19}DSN=host=db\n", text);
        Assert.Contains($"{"Tasks:",-19}2 running\n", text);
        Assert.Contains($"{"Restart policy:",-19}condition on-failure, delay 1m30s, max attempts 3, window 500ms\n", text);
        Assert.Contains($"{"Stop grace period:",-19}1h\n", text);
    }

    [Fact]
    public void Task_inspect_prints_one_line_per_event_in_version_order()
    {
        var task = new TaskDetail
        {
            History =
            [
                new TaskHistoryEntry { Version = 2, Timestamp = Now.AddSeconds(1), Type = "task_assigned", Summary = "assigned to node worker-1" },
                new TaskHistoryEntry { Version = 1, Timestamp = Now, Type = "task_created", Summary = "slot 1" },
            ],
        };

        Assert.Equal(
            "2026-11-24T20:31:02.123Z  #1  task_created  slot 1\n" +
            "2026-11-24T20:31:03.123Z  #2  task_assigned  assigned to node worker-1\n",
            Views.History(task));
    }

    private static string[] Cells(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
