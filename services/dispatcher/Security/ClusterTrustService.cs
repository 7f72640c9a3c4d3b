using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Swarm.Dispatcher.Heartbeats;
using Swarm.Dispatcher.Sessions;
using Swarm.EventStore.Security;
using Swarm.Security;

namespace Swarm.Dispatcher.Security;

/// <summary>
/// Keeps <see cref="ClusterTrust"/> current: reads the cluster CA before Kestrel accepts its first connection and
/// then every <see cref="DispatcherOptions.CaRefreshPeriod"/> (at once when a <c>ClusterCaChanged</c> arrives),
/// has this replica's manager certificate issued at start and again before two thirds of its life or when the
/// signing root changes, and tells every open agent session when the trusted roots change (a new
/// <see cref="Api.SessionInfo"/> on its stream), so agents renew during a root rotation.
/// </summary>
public sealed class ClusterTrustService : BackgroundService, IHostedLifecycleService
{
    /// <summary>How long start-up waits for the first read of the CA before Kestrel starts without it (handshakes fail until it is read).</summary>
    public static readonly TimeSpan FirstReadTimeout = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan RetryWhileUnread = TimeSpan.FromSeconds(1);

    private readonly ClusterTrust _trust;
    private readonly ICertificateAuthority _ca;
    private readonly SessionRegistry _sessions;
    private readonly HeartbeatMonitor _heartbeats;
    private readonly DispatcherOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterTrustService> _logger;

    public ClusterTrustService(ClusterTrust trust, ICertificateAuthority ca, SessionRegistry sessions, HeartbeatMonitor heartbeats,
        IOptions<DispatcherOptions> options, TimeProvider time, ILogger<ClusterTrustService> logger)
    {
        _trust = trust;
        _ca = ca;
        _sessions = sessions;
        _heartbeats = heartbeats;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>The first read, before any hosted service starts (Kestrel among them).</summary>
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        using var first = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        first.CancelAfter(FirstReadTimeout);
        try
        {
            await RefreshAsync(first.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("the cluster CA could not be read at start ({Message}); TLS handshakes fail until it is, retrying", ex.Message);
        }
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _trust.WaitForRefreshAsync(_trust.Current is null ? RetryWhileUnread : _options.CaRefreshPeriod, stoppingToken);
                await RefreshAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // the database may be restarting: the state read last stays in force
                _logger.LogWarning("reading the cluster CA failed: {Message}; trying again", ex.Message);
            }
        }
    }

    /// <summary>Reads the CA, renews the manager certificate when due, and announces changed roots.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var state = await _ca.CurrentAsync(cancellationToken);
        var previous = _trust.Current;
        var manager = previous?.ManagerCertificate;
        // a locked process serves with the CA's locked identity; once unlocked it has a certificate of its own issued
        var unlockedNow = manager is not null && CertificateIdentity.From(manager) is { NodeId: ClusterCa.LockedIdentityName }
            && !(await _ca.AutolockAsync(cancellationToken)).Locked;
        if (unlockedNow || ClusterTrust.NeedsNewManagerCertificate(state, manager, _time.GetUtcNow()))
        {
            manager = await _ca.IssueManagerCertificateAsync(_options.ManagerCertificateName, cancellationToken);
            _logger.LogInformation("manager certificate {Name} issued (serial {Serial}, valid until {NotAfter:u}, issuer {Issuer})",
                _options.ManagerCertificateName, manager.SerialNumber, manager.NotAfter.ToUniversalTime(), IssuerOf(manager, state));
        }

        if (_trust.Update(state, manager!) && previous is not null)
        {
            _logger.LogInformation("the cluster's trusted roots changed to {Roots}{Rotation}; telling {Sessions} agent sessions",
                string.Join(",", state.RootFingerprints), state.Rotating ? " (root rotation under way)" : "", _sessions.Count);
            Announce(state);
        }
    }

    /// <summary>Sends every open session the roots trusted now.</summary>
    private void Announce(CaState state)
    {
        var period = (long)_heartbeats.Period.TotalMilliseconds;
        foreach (var session in _sessions.All())
        {
            session.Send(new Api.SessionMessage { Session = SessionInfos.For(session, period, state) });
        }
    }

    private static string IssuerOf(X509Certificate2 certificate, CaState state) =>
        state.Roots.FirstOrDefault(r => CertificateChains.Verify(certificate, [r], DateTimeOffset.UtcNow) is null) is { } root
            ? Fingerprints.Sha256(root)
            : certificate.Issuer;
}

/// <summary>The <see cref="Api.SessionInfo"/> a session stream starts with (and gets again when the roots change).</summary>
public static class SessionInfos
{
    public static Api.SessionInfo For(NodeSession session, long heartbeatPeriodMs, CaState? ca)
    {
        var info = new Api.SessionInfo { NodeId = session.NodeId.ToString(), SessionId = session.SessionId, HeartbeatPeriodMs = heartbeatPeriodMs };
        if (ca is not null)
        {
            info.RootFingerprints.AddRange(ca.RootFingerprints);
        }

        return info;
    }
}
