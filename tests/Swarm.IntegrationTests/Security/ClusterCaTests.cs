using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.Time.Testing;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Cluster;
using Swarm.Domain.Nodes;
using Swarm.EventStore.Security;
using Swarm.Security;

namespace Swarm.IntegrationTests.Security;

/// <summary>The cluster CA against a real PostgreSQL: one root for all managers, tokens, rotations, renewals, secrets at rest.</summary>
public sealed class ClusterCaTests
{
    private static byte[] Csr()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest("CN=whatever", key, HashAlgorithmName.SHA256).CreateSigningRequest();
    }

    private static async Task<List<ClusterCaChanged>> CaEventsAsync(ClusterCa ca, IDocumentStore store)
    {
        _ = ca;
        await using var query = store.QuerySession();
        return [.. (await query.Events.FetchStreamAsync(ClusterCaDocument.FixedId)).Select(e => Assert.IsType<ClusterCaChanged>(e.Data))];
    }

    [SkippableFact]
    public async Task Managers_starting_together_create_one_root_and_all_agree_on_it()
    {
        await using var log = await CaLog.CreateAsync();
        var cas = Enumerable.Range(0, 4).Select(_ => log.NewCa()).ToList();
        using var start = new Barrier(cas.Count);
        var states = await Task.WhenAll(cas.Select(ca => Task.Run(async () =>
        {
            start.SignalAndWait();
            return await ca.CurrentAsync();
        })));

        var first = states[0];
        Assert.True(Guid.TryParse(first.ClusterId, out var clusterId));
        Assert.NotEqual(ClusterSettings.DefaultId, clusterId);
        Assert.Single(first.Roots);
        Assert.Empty(first.Intermediates);
        Assert.False(first.Rotating);
        Assert.Equal(ClusterSettings.DefaultNodeCertExpiry, first.NodeCertExpiry);
        Assert.All(states, s => Assert.Equal((first.ClusterId, first.RootFingerprints[0]), (s.ClusterId, Assert.Single(s.RootFingerprints))));
        Assert.Equal(["1"], await log.RawAsync($"select count(*) from {log.CaTable}"));
        Assert.Contains($"O={first.ClusterId}", first.SigningRoot.Subject, StringComparison.Ordinal);

        var tokens = await Task.WhenAll(cas.Select(ca => ca.JoinTokensAsync()));
        Assert.All(tokens, t => Assert.Equal(tokens[0], t));
        Assert.NotEqual(tokens[0].Worker, tokens[0].Manager);
        Assert.True(JoinToken.TryParse(tokens[0].Worker, out var worker, out _));
        Assert.True(worker.Pins(first.SigningRoot));

        // a later process reads the same state; nothing was recorded for the creation
        var later = await log.NewCa().CurrentAsync();
        Assert.Equal(first.RootFingerprints, later.RootFingerprints);
        Assert.Empty(await CaEventsAsync(cas[0], log.NewStore()));
    }

    [SkippableFact]
    public async Task A_worker_token_admits_a_worker_and_a_manager_token_a_manager_each_with_a_new_id()
    {
        await using var log = await CaLog.CreateAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var ca = log.NewCa(time: time);
        var tokens = await ca.JoinTokensAsync();
        var state = await ca.CurrentAsync();

        var worker = await ca.IssueForTokenAsync(Csr(), tokens.Worker);
        var worker2 = await ca.IssueForTokenAsync(Csr(), tokens.Worker);
        var manager = await ca.IssueForTokenAsync(Csr(), "  " + tokens.Manager + "\n");

        Assert.Equal(NodeRoles.Worker, worker.Role);
        Assert.Equal(NodeRoles.Manager, manager.Role);
        Assert.True(Guid.TryParse(worker.NodeId, out _));
        Assert.Equal(3, new[] { worker.NodeId, worker2.NodeId, manager.NodeId }.Distinct().Count());
        Assert.Equal(new CertificateIdentity(worker.NodeId, NodeRoles.Worker, state.ClusterId), CertificateIdentity.From(worker.Certificate));
        Assert.Null(CertificateChains.VerifyPeer(worker.Certificate, worker.Roots, time.GetUtcNow(), NodeRoles.Worker, state.ClusterId));
        Assert.Null(CertificateChains.VerifyPeer(manager.Certificate, manager.Roots, time.GetUtcNow(), NodeRoles.Manager, state.ClusterId));
        Assert.Equal(state.RootFingerprints, worker.Roots.Select(Fingerprints.Sha256));
        Assert.Empty(worker.Intermediates);
        Assert.Equal((time.GetUtcNow() + TimeSpan.FromDays(90)).UtcDateTime, worker.Certificate.NotAfter.ToUniversalTime(), TimeSpan.FromSeconds(1));
        Assert.Equal(state.RootFingerprints[0], worker.Info.IssuerFingerprint);
        Assert.Equal(NodeRoles.Worker, worker.Info.Role);
    }

    [SkippableFact]
    public async Task A_wrong_or_malformed_token_is_refused_without_repeating_it()
    {
        await using var log = await CaLog.CreateAsync();
        var ca = log.NewCa();
        var state = await ca.CurrentAsync();
        var wrong = new JoinToken(JoinToken.DigestOf(state.SigningRoot), JoinToken.NewSecret()).ToString();

        var refused = await Assert.ThrowsAsync<JoinRefusedException>(() => ca.IssueForTokenAsync(Csr(), wrong));
        Assert.DoesNotContain(wrong.Split('-')[^1], refused.Message, StringComparison.Ordinal);
        Assert.Contains("not this cluster's current worker or manager token", refused.Message, StringComparison.Ordinal);

        var malformed = await Assert.ThrowsAsync<JoinRefusedException>(() => ca.IssueForTokenAsync(Csr(), "SWMTKN-1-abc-def"));
        Assert.Contains("root digest", malformed.Message, StringComparison.Ordinal);

        // another cluster's token
        await using var otherLog = await CaLog.CreateAsync();
        var foreign = (await otherLog.NewCa().JoinTokensAsync()).Worker;
        var pinned = await Assert.ThrowsAsync<JoinRefusedException>(() => ca.IssueForTokenAsync(Csr(), foreign));
        Assert.Contains("pins another root CA", pinned.Message, StringComparison.Ordinal);

        // the token is checked before the request: a bad request with a bad token is a refused join
        await Assert.ThrowsAsync<JoinRefusedException>(() => ca.IssueForTokenAsync([1, 2, 3], wrong));
        await Assert.ThrowsAsync<InvalidCertificateRequestException>(async () => await ca.IssueForTokenAsync([1, 2, 3], (await ca.JoinTokensAsync()).Worker));
    }

    [SkippableFact]
    public async Task A_rotated_token_is_refused_and_the_new_one_admits_in_every_manager()
    {
        await using var log = await CaLog.CreateAsync();
        var control = log.NewCa();
        var dispatcher = log.NewCa(); // another process, with the state cached
        var before = await control.JoinTokensAsync();
        await dispatcher.IssueForTokenAsync(Csr(), before.Worker);

        var after = await control.RotateJoinTokenAsync("worker");

        Assert.NotEqual(before.Worker, after.Worker);
        Assert.Equal(before.Manager, after.Manager);
        Assert.Equal(before.Worker.Split('-')[2], after.Worker.Split('-')[2]); // the same root pinned
        Assert.Equal(after, await control.JoinTokensAsync());
        await Assert.ThrowsAsync<JoinRefusedException>(() => control.IssueForTokenAsync(Csr(), before.Worker));
        Assert.Equal(NodeRoles.Worker, (await control.IssueForTokenAsync(Csr(), after.Worker)).Role);

        // the other manager: a refused token makes it read the state again (after a moment)
        await Task.Delay(600);
        Assert.Equal(NodeRoles.Worker, (await dispatcher.IssueForTokenAsync(Csr(), after.Worker)).Role);
        await Assert.ThrowsAsync<JoinRefusedException>(() => dispatcher.IssueForTokenAsync(Csr(), before.Worker));
        Assert.Equal(after, await dispatcher.JoinTokensAsync());

        var manager = await control.RotateJoinTokenAsync("manager");
        Assert.Equal(after.Worker, manager.Worker);
        Assert.NotEqual(after.Manager, manager.Manager);
        await Assert.ThrowsAsync<ArgumentException>(() => control.RotateJoinTokenAsync("admin"));

        var events = await CaEventsAsync(control, log.NewStore());
        Assert.Equal([("join-token-rotated", "worker"), ("join-token-rotated", "manager")], events.Select(e => (e.Change, e.TokenKind)));
        var state = await control.CurrentAsync();
        Assert.All(events, e =>
        {
            Assert.Equal(Guid.Parse(state.ClusterId), e.ClusterId);
            Assert.Equal(state.RootFingerprints, e.RootFingerprints);
        });
    }

    [SkippableFact]
    public async Task Concurrent_changes_from_several_managers_are_all_kept()
    {
        await using var log = await CaLog.CreateAsync();
        var cas = Enumerable.Range(0, 4).Select(_ => log.NewCa()).ToList();
        var before = await cas[0].JoinTokensAsync();
        await Task.WhenAll(cas.Select((ca, i) => ca.RotateJoinTokenAsync(i % 2 == 0 ? "worker" : "manager")));

        var after = await log.NewCa().JoinTokensAsync();
        Assert.NotEqual(before.Worker, after.Worker);
        Assert.NotEqual(before.Manager, after.Manager);
        Assert.Equal(4, (await CaEventsAsync(cas[0], log.NewStore())).Count);
        Assert.Equal(["4"], await log.RawAsync($"select data->>'revision' from {log.CaTable}"));
    }

    [SkippableFact]
    public async Task A_root_rotation_signs_with_the_new_root_which_the_old_one_vouches_for_until_it_completes()
    {
        await using var log = await CaLog.CreateAsync();
        var ca = log.NewCa();
        var old = await ca.CurrentAsync();
        var tokensBefore = await ca.JoinTokensAsync();
        var oldNode = await ca.IssueForTokenAsync(Csr(), tokensBefore.Worker);

        var rotating = await ca.StartRootRotationAsync();

        Assert.True(rotating.Rotating);
        Assert.Equal(2, rotating.Roots.Count);
        Assert.Equal(old.RootFingerprints[0], rotating.RootFingerprints[1]);
        Assert.NotEqual(old.RootFingerprints[0], rotating.RootFingerprints[0]);
        Assert.Equal(old.ClusterId, rotating.ClusterId);
        var crossSigned = Assert.Single(rotating.Intermediates);
        Assert.Equal(rotating.SigningRoot.SubjectName.RawData, crossSigned.SubjectName.RawData);

        // tokens pin the new root, with the same secrets; one that pins the old root is refused
        var tokens = await ca.JoinTokensAsync();
        Assert.True(JoinToken.TryParse(tokens.Worker, out var worker, out _));
        Assert.True(worker.Pins(rotating.SigningRoot));
        Assert.Equal(tokensBefore.Worker.Split('-')[^1], worker.Secret);
        var refused = await Assert.ThrowsAsync<JoinRefusedException>(() => ca.IssueForTokenAsync(Csr(), tokensBefore.Worker));
        Assert.Contains("pins another root CA", refused.Message, StringComparison.Ordinal);

        var newNode = await ca.IssueForTokenAsync(Csr(), tokens.Worker);
        Assert.Equal(rotating.RootFingerprints[0], newNode.Info.IssuerFingerprint);
        Assert.Equal([crossSigned.RawData], newNode.Intermediates.Select(c => c.RawData));
        var now = DateTimeOffset.UtcNow;
        // a node that still trusts only the old root accepts the new certificate through the intermediate
        Assert.Null(CertificateChains.VerifyPeer(newNode.Certificate, old.Roots, now, NodeRoles.Worker, old.ClusterId, newNode.Intermediates));
        Assert.NotNull(CertificateChains.Verify(newNode.Certificate, old.Roots, now));
        // nodes of the old root are still trusted by those that learnt both
        Assert.Null(CertificateChains.Verify(oldNode.Certificate, rotating.Roots, now, rotating.Intermediates));

        await Assert.ThrowsAsync<InvalidOperationException>(() => ca.StartRootRotationAsync());
        // another manager sees the rotation
        Assert.Equal(rotating.RootFingerprints, (await log.NewCa().CurrentAsync()).RootFingerprints);

        var completed = await ca.CompleteRootRotationAsync();
        Assert.False(completed.Rotating);
        Assert.Equal([rotating.RootFingerprints[0]], completed.RootFingerprints);
        Assert.Empty(completed.Intermediates);
        Assert.NotNull(CertificateChains.Verify(oldNode.Certificate, completed.Roots, now));
        Assert.Null(CertificateChains.Verify(newNode.Certificate, completed.Roots, now));
        Assert.Equal(tokens, await ca.JoinTokensAsync());
        Assert.Equal(NodeRoles.Worker, (await ca.IssueForTokenAsync(Csr(), tokens.Worker)).Role);

        // completing again changes nothing
        Assert.Equal(completed.RootFingerprints, (await ca.CompleteRootRotationAsync()).RootFingerprints);
        var events = await CaEventsAsync(ca, log.NewStore());
        Assert.Equal(["root-rotation-started", "root-rotation-completed"], events.Select(e => e.Change));
        Assert.Equal(rotating.RootFingerprints, events[0].RootFingerprints);
        Assert.Equal(completed.RootFingerprints, events[1].RootFingerprints);
        var stored = JsonDocument.Parse(Assert.Single(await log.RawAsync($"select data::text from {log.CaTable}"))).RootElement;
        Assert.Equal(1, stored.GetProperty("rootCertificates").GetArrayLength());
        Assert.Equal(1, stored.GetProperty("sealedRootKeys").GetArrayLength());
        Assert.False(stored.TryGetProperty("crossSignedRoot", out _));
    }

    [SkippableFact]
    public async Task A_renewal_keeps_the_node_id_and_role_and_is_recorded_on_the_nodes_stream()
    {
        await using var log = await CaLog.CreateAsync();
        var ca = log.NewCa();
        var joined = await ca.IssueForTokenAsync(Csr(), (await ca.JoinTokensAsync()).Manager);
        var nodeId = Guid.Parse(joined.NodeId);
        var store = log.NewStore();
        await using (var session = store.LightweightSession())
        {
            session.Events.StartStream<Node>(nodeId, new NodeRegistered
            {
                NodeId = nodeId,
                Description = new NodeDescription { Hostname = "m1", Os = "linux", Architecture = "x86_64", Executor = "test" },
                Certificate = joined.Info,
                At = DateTimeOffset.UtcNow,
            });
            await session.SaveChangesAsync();
        }

        var identity = CertificateIdentity.From(joined.Certificate)!;
        var renewed = await ca.RenewAsync(Csr(), identity);

        Assert.Equal((joined.NodeId, NodeRoles.Manager), (renewed.NodeId, renewed.Role));
        Assert.Equal(identity, CertificateIdentity.From(renewed.Certificate));
        Assert.NotEqual(joined.Certificate.SerialNumber, renewed.Certificate.SerialNumber);
        await using var query = store.QuerySession();
        var events = await query.Events.FetchStreamAsync(nodeId);
        var issued = Assert.IsType<NodeCertificateIssued>(events[^1].Data);
        Assert.Equal((nodeId, "renew", renewed.Certificate.SerialNumber, NodeRoles.Manager), (issued.NodeId, issued.Reason, issued.Certificate.Serial, issued.Certificate.Role));
        Assert.Equal(renewed.Info, issued.Certificate);
        Assert.Equal("node_certificate_issued", events[^1].EventTypeName);
        // the node's read model is still there
        Assert.Equal("m1", (await query.LoadAsync<Node>(nodeId))!.Description.Hostname);

        await Assert.ThrowsAsync<ArgumentException>(() => ca.RenewAsync(Csr(), identity with { ClusterId = Guid.NewGuid().ToString() }));
        await Assert.ThrowsAsync<ArgumentException>(() => ca.RenewAsync(Csr(), identity with { NodeId = "admin" }));
    }

    [SkippableFact]
    public async Task Secrets_are_sealed_at_rest_and_no_event_carries_one()
    {
        await using var log = await CaLog.CreateAsync();
        var ca = log.NewCa();
        var tokens = await ca.JoinTokensAsync();
        await ca.RotateJoinTokenAsync("worker");
        await ca.StartRootRotationAsync();
        var current = await ca.JoinTokensAsync();
        var joined = await ca.IssueForTokenAsync(Csr(), current.Worker);
        await ca.RenewAsync(Csr(), CertificateIdentity.From(joined.Certificate)!);

        var raw = Assert.Single(await log.RawAsync($"select data::text from {log.CaTable}"));
        var stored = JsonDocument.Parse(raw).RootElement;
        var kek = KeyEncryptionKey.Parse(log.Kek);
        var clusterId = stored.GetProperty("clusterId").GetGuid();
        var roots = stored.GetProperty("rootCertificates").EnumerateArray().Select(e => e.GetBytesFromBase64()).ToList();
        var sealedKeys = stored.GetProperty("sealedRootKeys").EnumerateArray().Select(e => e.GetBytesFromBase64()).ToList();
        Assert.Equal(2, sealedKeys.Count);
        for (var i = 0; i < roots.Count; i++)
        {
            var fingerprint = Convert.ToHexStringLower(SHA256.HashData(roots[i]));
            var pkcs8 = kek.Open(sealedKeys[i], ClusterCaDocument.RootKeyPurpose(clusterId, fingerprint));
            using var key = ECDsa.Create();
            key.ImportPkcs8PrivateKey(pkcs8, out _);
            var d = key.ExportParameters(true).D!;
            foreach (var form in new[] { Convert.ToBase64String(pkcs8), Convert.ToHexString(pkcs8), Convert.ToBase64String(d), Convert.ToHexString(d) })
            {
                Assert.DoesNotContain(form, raw, StringComparison.OrdinalIgnoreCase);
            }

            // sealed for its field: not for the other root's, nor as a token secret
            Assert.ThrowsAny<CryptographicException>(() => kek.Open(sealedKeys[i], ClusterCaDocument.RootKeyPurpose(clusterId, Convert.ToHexStringLower(SHA256.HashData(roots[1 - i])))));
            Assert.ThrowsAny<CryptographicException>(() => kek.Open(sealedKeys[i], ClusterCaDocument.SecretPurpose(clusterId, "worker")));
        }

        Assert.DoesNotContain("PRIVATE KEY", raw, StringComparison.Ordinal);
        var secrets = new[] { tokens.Worker, tokens.Manager, current.Worker }.Select(t => t.Split('-')[^1]).ToList();
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, raw, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(secret))[..30], raw, StringComparison.Ordinal);
        }

        var events = await log.RawAsync($"select data::text from {log.Cluster.Schema}.mt_events");
        Assert.NotEmpty(events);
        foreach (var json in events)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
            }

            Assert.DoesNotContain("PRIVATE KEY", json, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task Another_key_encryption_key_is_named_as_the_problem()
    {
        await using var log = await CaLog.CreateAsync();
        await log.NewCa().CurrentAsync();

        var other = log.NewCa(kek: KeyEncryptionKey.Generate());
        var ex = await Assert.ThrowsAsync<ClusterCaKeyException>(() => other.CurrentAsync());
        Assert.StartsWith("the key-encryption key does not open the cluster CA: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Swarm:Ca:KeyFile", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ClusterCaKeyException>(() => other.JoinTokensAsync());
        // a failed read is not kept: the right key still works in the same database
        Assert.Single((await log.NewCa().CurrentAsync()).Roots);
    }

    [SkippableFact]
    public async Task Certificates_get_the_lifetime_the_cluster_settings_give()
    {
        await using var log = await CaLog.CreateAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var ca = log.NewCa(time: time);
        Assert.Equal(TimeSpan.FromDays(90), (await ca.CurrentAsync()).NodeCertExpiry);

        await using (var session = log.NewStore().LightweightSession())
        {
            session.Events.StartStream<ClusterSettings>(ClusterSettings.DefaultId,
                new ClusterUpdated { ClusterId = ClusterSettings.DefaultId, TaskHistoryLimit = 5, NodeCertExpirySeconds = 7200, At = time.GetUtcNow() });
            await session.SaveChangesAsync();
        }

        Assert.Equal(TimeSpan.FromDays(90), (await ca.CurrentAsync()).NodeCertExpiry); // cached
        Assert.Equal(TimeSpan.FromHours(2), (await ca.RefreshAsync()).NodeCertExpiry);
        var tokens = await ca.JoinTokensAsync();
        var joined = await ca.IssueForTokenAsync(Csr(), tokens.Worker);
        Assert.Equal((time.GetUtcNow() + TimeSpan.FromHours(2)).UtcDateTime, joined.Certificate.NotAfter.ToUniversalTime(), TimeSpan.FromSeconds(1));
        var renewed = await ca.RenewAsync(Csr(), CertificateIdentity.From(joined.Certificate)!);
        Assert.Equal((time.GetUtcNow() + TimeSpan.FromHours(2)).UtcDateTime, renewed.Certificate.NotAfter.ToUniversalTime(), TimeSpan.FromSeconds(1));
        using var manager = await ca.IssueManagerCertificateAsync("dispatcher-1");
        Assert.Equal((time.GetUtcNow() + TimeSpan.FromHours(2)).UtcDateTime, manager.NotAfter.ToUniversalTime(), TimeSpan.FromSeconds(1));

        // the cache lasts its while by the clock
        await using (var session = log.NewStore().LightweightSession())
        {
            session.Events.Append(ClusterSettings.DefaultId,
                new ClusterUpdated { ClusterId = ClusterSettings.DefaultId, TaskHistoryLimit = 5, NodeCertExpirySeconds = 0, At = time.GetUtcNow() });
            await session.SaveChangesAsync();
        }

        Assert.Equal(TimeSpan.FromHours(2), (await ca.CurrentAsync()).NodeCertExpiry);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromDays(90), (await ca.CurrentAsync()).NodeCertExpiry);
    }

    [SkippableFact]
    public async Task A_managers_own_certificate_carries_its_key_and_serves_tls_that_nodes_verify()
    {
        await using var log = await CaLog.CreateAsync();
        var ca = log.NewCa();
        var state = await ca.CurrentAsync();
        using var server = await ca.IssueManagerCertificateAsync("dispatcher-1");
        Assert.True(server.HasPrivateKey);
        Assert.Equal(new CertificateIdentity("dispatcher-1", NodeRoles.Manager, state.ClusterId), CertificateIdentity.From(server));

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptTcpClientAsync();
            await using var tls = new SslStream(accepted.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = server });
            await tls.WriteAsync(new byte[] { 42 });
        });
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        await using var clientTls = new SslStream(client.GetStream());
        string? problem = "not checked";
        await clientTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "swarm-manager",
            RemoteCertificateValidationCallback = (_, cert, _, _) =>
            {
                using var presented = X509CertificateLoader.LoadCertificate(cert!.GetRawCertData());
                problem = CertificateChains.VerifyPeer(presented, state.Roots, DateTimeOffset.UtcNow, NodeRoles.Manager, state.ClusterId);
                return problem is null;
            },
        });
        var buffer = new byte[1];
        await clientTls.ReadExactlyAsync(buffer);
        await serving;
        Assert.Null(problem);
    }

    [SkippableFact]
    public async Task An_administrator_gets_a_manager_client_certificate_for_the_key_it_keeps()
    {
        await using var log = await CaLog.CreateAsync();
        var ca = log.NewCa();
        var state = await ca.CurrentAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=root", key, HashAlgorithmName.SHA256).CreateSigningRequest();

        var issued = await ca.IssueClientCertificateAsync(csr, "alice");

        Assert.Equal(("alice", NodeRoles.Manager), (issued.NodeId, issued.Role));
        Assert.Equal(new CertificateIdentity("alice", NodeRoles.Manager, state.ClusterId), CertificateIdentity.From(issued.Certificate));
        using var issuedKey = issued.Certificate.GetECDsaPublicKey()!;
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), issuedKey.ExportSubjectPublicKeyInfo());
        Assert.Null(CertificateChains.VerifyPeer(issued.Certificate, state.Roots, DateTimeOffset.UtcNow, NodeRoles.Manager, state.ClusterId));
        await Assert.ThrowsAsync<InvalidCertificateRequestException>(() => ca.IssueClientCertificateAsync([0x30, 0x00], "alice"));
    }
}
