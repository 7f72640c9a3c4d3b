using System.Text.Json;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Tests.Contracts;

/// <summary>
/// The JSON of messages is a public contract (plain AMQP clients write it, the log stores it): a change
/// to a member name or an enum's spelling must fail here before it reaches a cluster.
/// </summary>
public class WireFormatTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void CreateService_reads_the_documented_plain_json()
    {
        const string json = """
            { "commandId": "6f1c1d1e-0000-4000-8000-000000000001",
              "spec": { "name": "web", "replicas": 3, "command": ["sleep", "3600"],
                        "env": { "A": "1" }, "restartPolicy": { "condition": "on-failure", "delaySeconds": 2, "maxAttempts": 3, "windowSeconds": 60 },
                        "stopGracePeriodSeconds": 5 } }
            """;
        var command = JsonSerializer.Deserialize<CreateService>(json, Web)!;
        Assert.Equal(Guid.Parse("6f1c1d1e-0000-4000-8000-000000000001"), command.CommandId);
        Assert.Equal("web", command.Spec.Name);
        Assert.Equal(3, command.Spec.Replicas);
        Assert.Equal(["sleep", "3600"], command.Spec.Command);
        Assert.Equal("1", command.Spec.Env!["A"]);
        Assert.Equal(("on-failure", 2.0, 3, 60.0), (command.Spec.RestartPolicy!.Condition, command.Spec.RestartPolicy.DelaySeconds, command.Spec.RestartPolicy.MaxAttempts, command.Spec.RestartPolicy.WindowSeconds));
        Assert.Equal(5, command.Spec.StopGracePeriodSeconds);
    }

    [Fact]
    public void ServiceReconciliationFailed_keeps_its_member_names()
    {
        var e = new ServiceReconciliationFailed
        {
            ServiceId = Guid.Parse("22222222-2222-2222-2222-222222222222"),
            Reason = "TimeSpan overflowed",
            At = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero),
        };
        Assert.Equal(
            """{"serviceId":"22222222-2222-2222-2222-222222222222","reason":"TimeSpan overflowed","at":"2026-12-07T12:00:00+00:00"}""",
            JsonSerializer.Serialize(e, Web));
        Assert.Equal(
            """{"serviceId":"22222222-2222-2222-2222-222222222222","at":"2026-12-07T12:00:00+00:00"}""",
            JsonSerializer.Serialize(new ServiceReconciliationRecovered { ServiceId = e.ServiceId, At = e.At }, Web));
    }

    [Fact]
    public void Task_events_keep_their_member_names_and_enum_spellings()
    {
        var e = new TaskStatusChanged
        {
            TaskId = Guid.Parse("11111111-1111-1111-1111-111111111111"),
            ServiceId = Guid.Parse("22222222-2222-2222-2222-222222222222"),
            NodeId = Guid.Parse("33333333-3333-3333-3333-333333333333"),
            State = TaskState.Failed,
            Message = "exited",
            Error = "task: non-zero exit (1)",
            ExitCode = 1,
            At = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero),
        };
        Assert.Equal(
            """{"taskId":"11111111-1111-1111-1111-111111111111","serviceId":"22222222-2222-2222-2222-222222222222","nodeId":"33333333-3333-3333-3333-333333333333","state":"Failed","message":"exited","error":"task: non-zero exit (1)","exitCode":1,"at":"2026-11-24T12:00:00+00:00","passed":null}""",
            JsonSerializer.Serialize(e, Web));

        var desired = new TaskDesiredStateChanged { TaskId = e.TaskId, ServiceId = e.ServiceId, DesiredState = DesiredState.Remove, Reason = "scale down", At = e.At };
        Assert.Equal(
            """{"taskId":"11111111-1111-1111-1111-111111111111","serviceId":"22222222-2222-2222-2222-222222222222","nodeId":null,"desiredState":"Remove","reason":"scale down","at":"2026-11-24T12:00:00+00:00"}""",
            JsonSerializer.Serialize(desired, Web));
    }

    [Fact]
    public void CommandRejected_names_code_field_and_reason()
    {
        var rejected = new CommandRejected { CommandId = Guid.Empty, Command = "CreateService", Code = "invalid", Field = "spec.replicas", Reason = "must be zero or more, got -1" };
        Assert.Equal(
            """{"commandId":"00000000-0000-0000-0000-000000000000","command":"CreateService","code":"invalid","field":"spec.replicas","reason":"must be zero or more, got -1"}""",
            JsonSerializer.Serialize(rejected, Web));
    }

    [Fact]
    public void Every_state_round_trips_by_name()
    {
        foreach (var state in Enum.GetValues<TaskState>())
        {
            var json = JsonSerializer.Serialize(state, Web);
            Assert.Equal($"\"{state}\"", json);
            Assert.Equal(state, JsonSerializer.Deserialize<TaskState>(json, Web));
        }

        Assert.Equal(TaskState.Running, JsonSerializer.Deserialize<TaskState>("\"running\"", Web));
        Assert.True(TaskStateMachine.IsTerminal(JsonSerializer.Deserialize<TaskState>("\"Orphaned\"", Web)));
    }
}

/// <summary>The secret events carry metadata only: their JSON has no member a value could hide in.</summary>
public class SecretWireFormatTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void Secret_events_keep_their_member_names()
    {
        var at = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        var id = Guid.Parse("44444444-4444-4444-4444-444444444444");
        Assert.Equal(
            """{"secretId":"44444444-4444-4444-4444-444444444444","name":"db-password","labels":{"env":"prod"},"size":12,"at":"2026-12-07T12:00:00+00:00"}""",
            JsonSerializer.Serialize(new SecretCreated { SecretId = id, Name = "db-password", Labels = new Dictionary<string, string> { ["env"] = "prod" }, Size = 12, At = at }, Web));
        Assert.Equal(
            """{"secretId":"44444444-4444-4444-4444-444444444444","name":"db-password","at":"2026-12-07T12:00:00+00:00"}""",
            JsonSerializer.Serialize(new SecretRemoved { SecretId = id, Name = "db-password", At = at }, Web));
        Assert.Equal(
            """{"configId":"44444444-4444-4444-4444-444444444444","name":"nginx","labels":null,"size":3,"digest":"ab","at":"2026-12-07T12:00:00+00:00"}""",
            JsonSerializer.Serialize(new ConfigCreated { ConfigId = id, Name = "nginx", Size = 3, Digest = "ab", At = at }, Web));
    }

    [Fact]
    public void A_secret_reference_reads_from_plain_json()
    {
        var spec = JsonSerializer.Deserialize<ServiceSpec>(
            """{ "name": "web", "secrets": [ { "source": "pw", "target": "db", "uid": "0", "gid": "0", "mode": 256 } ], "configs": [ { "source": "conf", "target": "/etc/app.conf" } ] }""", Web)!;

        Assert.Equal(new SecretReferenceSpec { Source = "pw", Target = "db", Uid = "0", Gid = "0", Mode = 256 }, spec.Secrets![0]);
        Assert.Equal("/etc/app.conf", spec.Configs![0].Target);
    }
}
