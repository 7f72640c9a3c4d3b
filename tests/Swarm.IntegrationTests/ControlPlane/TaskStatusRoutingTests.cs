using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Messaging;
using Swarm.Testing;

namespace Swarm.IntegrationTests.ControlPlane;

/// <summary>
/// Task statuses go through a topic exchange keyed by state: the managers' consumers, which act only on
/// tasks that ended, are not handed the statuses of tasks making progress; a consumer bound to every
/// status still gets them all.
/// </summary>
public sealed class TaskStatusRoutingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task A_consumer_of_ended_tasks_gets_failed_and_complete_statuses_but_not_running_ones()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        using var host = await TestHosts.StartBusAsync(cluster, "routing", x =>
        {
            x.AddConsumer<EndedConsumer, EndedTasksDefinition<EndedConsumer>>();
            x.AddConsumer<EveryStatusConsumer, EveryTaskStatusDefinition<EveryStatusConsumer>>();
        }, services => services.AddSingleton<Received>());
        try
        {
            var bus = host.Services.GetRequiredService<IBus>();
            var received = host.Services.GetRequiredService<Received>();
            var states = new[] { TaskState.Accepted, TaskState.Running, TaskState.Failed, TaskState.Starting, TaskState.Complete };
            var tasks = states.ToDictionary(s => s, _ => Guid.NewGuid());
            foreach (var (state, taskId) in tasks)
            {
                await bus.Publish(new TaskStatusChanged { TaskId = taskId, ServiceId = Guid.NewGuid(), State = state, Message = "test", At = DateTimeOffset.UtcNow });
            }

            // every status was published: the consumer bound to all of them gets each one
            await Eventually.WaitAsync(() => Task.FromResult(received.Every.Count), n => n == states.Length, Timeout, "every status at the consumer of all statuses");
            await Eventually.WaitAsync(() => Task.FromResult(received.Ended.Count), n => n >= 2, Timeout, "the ended statuses");

            // published after the others: once it arrives, nothing published earlier is still on its way
            var last = Guid.NewGuid();
            await bus.Publish(new TaskStatusChanged { TaskId = last, ServiceId = Guid.NewGuid(), State = TaskState.Shutdown, Message = "test", At = DateTimeOffset.UtcNow });
            await Eventually.WaitAsync(() => Task.FromResult(received.Ended.ContainsKey(last)), seen => seen, Timeout, "the last status");

            Assert.Equal(
                new[] { tasks[TaskState.Failed], tasks[TaskState.Complete], last }.Order(),
                received.Ended.Keys.Order());
            Assert.Equal(TaskState.Failed, received.Ended[tasks[TaskState.Failed]]);
            Assert.Equal("progress.running", TaskStatusRouting.KeyOf(new TaskStatusChanged { State = TaskState.Running }));
            Assert.Equal("ended.rejected", TaskStatusRouting.KeyOf(new TaskStatusChanged { State = TaskState.Rejected }));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private sealed class Received
    {
        public ConcurrentDictionary<Guid, TaskState> Ended { get; } = new();

        public ConcurrentDictionary<Guid, TaskState> Every { get; } = new();
    }

    private sealed class EndedConsumer(Received received) : IConsumer<TaskStatusChanged>
    {
        public Task Consume(ConsumeContext<TaskStatusChanged> context)
        {
            received.Ended[context.Message.TaskId] = context.Message.State;
            return Task.CompletedTask;
        }
    }

    private sealed class EveryStatusConsumer(Received received) : IConsumer<TaskStatusChanged>
    {
        public Task Consume(ConsumeContext<TaskStatusChanged> context)
        {
            received.Every[context.Message.TaskId] = context.Message.State;
            return Task.CompletedTask;
        }
    }
}
