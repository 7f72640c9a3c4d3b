using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Messaging;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Dispatching;

/// <summary>
/// The retry policy every manager's consumers share (the dispatcher's among them), on the real broker:
/// a database outage longer than the quick retries is ridden out; a message that cannot be read goes
/// to <c>_error</c> without retries.
/// </summary>
public sealed class MessageRetryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public sealed record OutageProbe(Guid Id);

    public sealed record PoisonProbe(Guid Id);

    public sealed class Probe
    {
        public int Attempts;
        public int FailFirst;
        public int ClosedPort;
        public readonly TaskCompletionSource Consumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Fails its first attempts the way a consumer fails while PostgreSQL is down: the connection is refused.</summary>
    public sealed class OutageConsumer(Probe probe) : IConsumer<OutageProbe>
    {
        public async Task Consume(ConsumeContext<OutageProbe> context)
        {
            if (Interlocked.Increment(ref probe.Attempts) <= probe.FailFirst)
            {
                await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={probe.ClosedPort};Username=swarm;Password=none;Timeout=5");
                await connection.OpenAsync(context.CancellationToken);
            }

            probe.Consumed.TrySetResult();
        }
    }

    /// <summary>A message whose payload cannot be read: it fails the same way every time.</summary>
    public sealed class PoisonConsumer(Probe probe) : IConsumer<PoisonProbe>
    {
        public Task Consume(ConsumeContext<PoisonProbe> context)
        {
            Interlocked.Increment(ref probe.Attempts);
            System.Text.Json.JsonDocument.Parse("{ not json");
            return Task.CompletedTask;
        }
    }

    [SkippableFact]
    public async Task A_database_outage_longer_than_the_quick_retries_is_ridden_out_and_the_message_is_consumed()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        var probe = new Probe { FailFirst = MessageRetry.QuickIntervals.Length + 2, ClosedPort = LoopbackPorts.Free() };
        using var host = await TestHosts.StartBusAsync(cluster, "retrytest", x => x.AddConsumer<OutageConsumer>().Endpoint(e => e.Name = "retry-outage"), s => s.AddSingleton(probe));
        try
        {
            await host.Services.GetRequiredService<IBus>().Publish(new OutageProbe(Guid.NewGuid()));

            await probe.Consumed.Task.WaitAsync(Timeout);
            Assert.Equal(probe.FailFirst + 1, probe.Attempts);
            // nothing went to _error (the broker declares that queue only when a message goes there: -1)
            Assert.True(await cluster.QueueDepthAsync("retry-outage_error") <= 0);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [SkippableFact]
    public async Task A_message_that_cannot_be_read_goes_to_the_error_queue_without_retries()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        var probe = new Probe();
        using var host = await TestHosts.StartBusAsync(cluster, "retrytest", x => x.AddConsumer<PoisonConsumer>().Endpoint(e => e.Name = "retry-poison"), s => s.AddSingleton(probe));
        try
        {
            await host.Services.GetRequiredService<IBus>().Publish(new PoisonProbe(Guid.NewGuid()));

            await Eventually.WaitAsync(() => cluster.QueueDepthAsync("retry-poison_error"), depth => depth == 1, Timeout, "the message in retry-poison_error");
            Assert.Equal(1, probe.Attempts);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void Outages_and_unreadable_messages_are_told_apart_through_wrapping_exceptions()
    {
        Assert.True(MessageRetry.IsOutage(new InvalidOperationException("wrapped", new NpgsqlException("refused", new System.Net.Sockets.SocketException()))));
        Assert.True(MessageRetry.IsOutage(new AggregateException(new TimeoutException())));
        Assert.False(MessageRetry.IsOutage(new InvalidOperationException("a bug")));
        Assert.True(MessageRetry.IsPoison(new InvalidOperationException("wrapped", new System.Text.Json.JsonException("bad"))));
        Assert.False(MessageRetry.IsPoison(new TimeoutException()));
    }
}
