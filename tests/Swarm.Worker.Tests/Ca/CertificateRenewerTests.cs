using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Swarm.Dispatcher.Api;
using Swarm.Security;
using Swarm.Worker.Agent;
using Swarm.Worker.Ca;

namespace Swarm.Worker.Tests.Ca;

public sealed class CertificateRenewerTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(100);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly string _dir = TestCa.TempDir();
    private readonly RootCa _ca = TestCa.Create(Start);
    private readonly FakeCaInvoker _invoker;
    private readonly NodeCredentials _credentials;
    private readonly DispatcherEndpoints _endpoints = new([new Uri("https://127.0.0.1:4243")], GrpcChannel.ForAddress);
    private readonly CancellationTokenSource _stop = new();
    private Task? _run;

    public CertificateRenewerTests()
    {
        _invoker = new FakeCaInvoker(_time.GetUtcNow) { Issuer = _ca, Roots = [_ca], Validity = Lifetime };
        _credentials = NodeCredentials.Create(_dir, TestCa.Node(_ca, Start, Lifetime));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _run);
        }

        _stop.Dispose();
        _endpoints.Dispose();
        _ca.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }

    private CertificateRenewer Start_(double random)
    {
        var renewer = new CertificateRenewer("n1", _credentials, new NodeCA.NodeCAClient(_invoker), _endpoints, _time, NullLogger.Instance, new FixedRandom(random));
        _run = renewer.RunAsync(_stop.Token);
        return renewer;
    }

    /// <summary>Lets the renewer's loop run after the clock moved (bounded).</summary>
    private static async Task SettleAsync() => await Task.Delay(100);

    [Fact]
    public void The_renewal_falls_between_half_and_four_fifths_of_the_lifetime()
    {
        var certificate = _credentials.Current.Certificate;
        var (issued, expires) = RenewalSchedule.Lifetime(certificate);
        Assert.Equal(Start, issued);
        Assert.Equal(Start + Lifetime, expires);

        Assert.Equal(Start + (Lifetime * 0.5), RenewalSchedule.Next(certificate, new FixedRandom(0)));
        Assert.Equal(Start + (Lifetime * 0.8), RenewalSchedule.Next(certificate, new FixedRandom(1)));
        var random = new Random(7);
        for (var i = 0; i < 1000; i++)
        {
            var due = RenewalSchedule.Next(certificate, random);
            Assert.InRange(due, Start + (Lifetime * 0.5), Start + (Lifetime * 0.8));
        }
    }

    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(0.9999, 0.8)]
    public async Task The_certificate_is_renewed_at_its_scheduled_point_and_not_before(double random, double fraction)
    {
        var before = _credentials.Current;
        Start_(random);
        await SettleAsync();

        _time.Advance((Lifetime * fraction) - TimeSpan.FromMinutes(1));
        await SettleAsync();
        Assert.Equal(0, _invoker.Renewals);
        Assert.Same(before, _credentials.Current);

        _time.Advance(TimeSpan.FromMinutes(1));
        await Eventually.HoldsAsync(() => _invoker.Renewals == 1 && _credentials.Current != before);

        // a new key, stored, and the next renewal counts from the new certificate
        Assert.NotEqual(before.Certificate.GetPublicKeyString(), _credentials.Current.Certificate.GetPublicKeyString());
        Assert.Equal(_credentials.Current.Certificate.Thumbprint, NodeCredentials.Load(_dir, _time.GetUtcNow(), out _)!.Current.Certificate.Thumbprint);
        Assert.Equal(before.Identity, _credentials.Current.Identity);
    }

    [Fact]
    public async Task The_next_renewal_counts_from_the_renewed_certificate()
    {
        var renewer = Start_(0);
        _time.Advance(Lifetime * 0.5);
        await Eventually.HoldsAsync(() => _invoker.Renewals == 1);
        await Eventually.HoldsAsync(() => renewer.Due > _time.GetUtcNow());

        Assert.Equal(_time.GetUtcNow() + (Lifetime * 0.5), renewer.Due);
    }

    [Fact]
    public async Task A_failed_renewal_is_retried_with_back_off()
    {
        _invoker.FailNext(StatusCode.Unavailable, StatusCode.Unavailable);
        var renewer = Start_(0);
        await Eventually.HoldsAsync(() => renewer.Due == Start + (Lifetime * 0.5));
        _time.Advance(Lifetime * 0.5);

        // the first attempt fails: the retry is due a second later (each step waits for the renewer to have
        // decided, not for a fixed time, so a busy machine cannot reorder the clock and the renewer)
        await Eventually.HoldsAsync(() => _invoker.PendingFailures == 1 && renewer.Due == _time.GetUtcNow() + TimeSpan.FromSeconds(1));
        Assert.Equal(0, _invoker.Renewals);
        _time.Advance(TimeSpan.FromSeconds(1));

        // the second fails too: the next retry waits twice as long
        await Eventually.HoldsAsync(() => _invoker.PendingFailures == 0 && renewer.Due == _time.GetUtcNow() + TimeSpan.FromSeconds(2));
        _time.Advance(TimeSpan.FromSeconds(1));
        await SettleAsync();
        Assert.Equal(0, _invoker.Renewals);
        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.HoldsAsync(() => _invoker.Renewals == 1);
    }

    [Fact]
    public async Task A_node_removed_from_the_cluster_ends_the_renewer()
    {
        _invoker.FailNext(StatusCode.PermissionDenied);
        Start_(0);
        _time.Advance(Lifetime * 0.5);

        await Assert.ThrowsAsync<NodeRemovedException>(() => _run!.WaitAsync(TimeSpan.FromSeconds(10)));
        _run = null;
    }

    [Fact]
    public async Task New_roots_announced_by_the_session_renew_at_once_and_are_stored()
    {
        // a root rotation: the new root (named apart from the old one) issues, cross-signed by the old one
        using var next = RootCa.Create("cluster-test-next", Start);
        _invoker.Issuer = next;
        _invoker.Roots = [next, _ca];
        _invoker.Intermediates = [_ca.CrossSign(next.Certificate, Start).RawData];
        var renewer = Start_(0);
        await SettleAsync();

        renewer.RootsAnnounced([next.Fingerprint, _ca.Fingerprint]);
        await Eventually.HoldsAsync(() => _invoker.Renewals == 1);
        await Eventually.HoldsAsync(() => _credentials.Current.Roots.Count == 2);

        Assert.Equal(1, _invoker.RootRequests);
        Assert.Equal(new HashSet<string> { next.Fingerprint, _ca.Fingerprint }, _credentials.Current.RootFingerprints);
        Assert.Null(CertificateChains.Verify(_credentials.Current.Certificate, [next.Certificate], _time.GetUtcNow()));
        Assert.Equal(2, NodeCredentials.Load(_dir, _time.GetUtcNow(), out _)!.Current.Roots.Count);

        // the same announcement again, or the roots the node has: nothing to do
        renewer.RootsAnnounced([next.Fingerprint, _ca.Fingerprint]);
        renewer.RootsAnnounced([_ca.Fingerprint, next.Fingerprint]);
        await SettleAsync();
        Assert.Equal(1, _invoker.Renewals);
    }

    [Fact]
    public async Task Roots_announced_that_the_node_has_already_change_nothing()
    {
        var renewer = Start_(0);
        renewer.RootsAnnounced([_ca.Fingerprint.ToUpperInvariant()]);
        renewer.RootsAnnounced([]);
        await SettleAsync();

        Assert.Equal(0, _invoker.Renewals);
        Assert.Equal(0, _invoker.RootRequests);
    }
}
