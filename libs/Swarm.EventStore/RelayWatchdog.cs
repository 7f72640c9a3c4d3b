using JasperFx.Events.Daemon;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Swarm.EventStore;

/// <summary>
/// Gets the relay going again when it has stopped for good. The async daemon stops a subscription after
/// a failure it does not retry — after a PostgreSQL restart two processes may both have held the relay's
/// advisory lock for a moment, and the loser's <c>ProgressionProgressOutOfOrderException</c> stops its
/// agent while the other's connection is gone — and then nothing publishes the log to the bus until a
/// process restarts. Every <see cref="CheckInterval"/> this reads the log's newest sequence and the
/// relay's recorded progress; when events wait and the progress has not moved for
/// <c>Swarm:RelayStallSeconds</c> (default 30), it pauses and resumes this process's projection
/// coordinator: its locks are released and it competes again, and whichever process wins starts the
/// relay from its recorded progress (at least once, as always).
/// </summary>
public sealed class RelayWatchdog : BackgroundService
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly IProjectionCoordinator _coordinator;
    private readonly RelayLag _lag;
    private readonly ILogger<RelayWatchdog> _logger;
    private readonly TimeSpan _stall;

    public RelayWatchdog(IConfiguration configuration, IProjectionCoordinator coordinator, RelayLag lag, ILogger<RelayWatchdog> logger)
    {
        _coordinator = coordinator;
        _lag = lag;
        _logger = logger;
        _stall = TimeSpan.FromSeconds(configuration.GetValue("Swarm:RelayStallSeconds", 30.0) is var s && s > 0 ? s : 30);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long progress = -1;
        var since = DateTimeOffset.UtcNow;
        using var timer = new PeriodicTimer(CheckInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (await _lag.ReadAsync(stoppingToken) is not var (head, recorded))
            {
                // the database is away: the stall is measured from when it is back
                since = DateTimeOffset.UtcNow;
                continue;
            }

            var now = DateTimeOffset.UtcNow;
            if (recorded >= head || recorded != progress)
            {
                progress = recorded;
                since = now;
                continue;
            }

            if (now - since < _stall)
            {
                continue;
            }

            _logger.LogWarning(
                "the relay has not moved for {Seconds:0} s at sequence {Progress} with {Waiting} events waiting: restarting this process's projection coordinator",
                (now - since).TotalSeconds, recorded, head - recorded);
            try
            {
                await _coordinator.PauseAsync();
                await _coordinator.ResumeAsync();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                _logger.LogWarning(ex, "restarting the projection coordinator failed; trying again after the next stall");
            }

            since = DateTimeOffset.UtcNow;
        }
    }
}
