using System.Security.Cryptography;
using Marten;
using Swarm.Contracts.Events;
using Swarm.EventStore.Secrets;
using Swarm.EventStore.Security;
using Swarm.Security;

namespace Swarm.IntegrationTests.Security;

/// <summary>
/// Autolock against a real PostgreSQL: once on, a manager process that starts with only the key-encryption key cannot
/// open the root key, the join tokens or the secrets' data key until it is given the unlock key; a wrong key changes
/// nothing; rotating and turning it off re-seal everything.
/// </summary>
public sealed class AutolockTests
{
    private static async Task<List<ClusterCaChanged>> CaEventsAsync(IDocumentStore store)
    {
        await using var query = store.QuerySession();
        return [.. (await query.Events.FetchStreamAsync(ClusterCaDocument.FixedId)).Select(e => Assert.IsType<ClusterCaChanged>(e.Data))];
    }

    [SkippableFact]
    public async Task A_manager_starting_after_autolock_is_locked_until_given_the_unlock_key()
    {
        await using var log = await CaLog.CreateAsync();
        var first = log.NewCa();
        var tokens = await first.JoinTokensAsync();
        var secrets = new SecretStore(log.NewStore(), first.Keys);
        var secretId = await secrets.CreateAsync(SecretStore.SecretKind, "db-password", null, "s3cret-value"u8.ToArray());

        // a manager running before autolock is turned on (it opened the keys already)
        var running = log.NewCa(cacheFor: TimeSpan.Zero);
        Assert.Equal(tokens, await running.JoinTokensAsync());

        var key = await first.EnableAutolockAsync();
        Assert.NotNull(key);
        Assert.Null(await first.EnableAutolockAsync()); // on already: no new key
        Assert.Equal(new AutolockStatus(true, false, true), await first.AutolockAsync());
        Assert.Equal(key.ToString(), (await first.KnownUnlockKeyAsync())!.ToString());

        // the key is nowhere in the database, the events say what changed and nothing more
        var everything = string.Join("\n", await log.RawAsync($"select data::text from {log.CaTable}"))
            + string.Join("\n", await log.RawAsync($"select data::text from {log.Cluster.Schema}.mt_events"));
        Assert.DoesNotContain(key.ToString()["SWMKEY-1-".Length..], everything, StringComparison.Ordinal);
        Assert.Equal(["autolock-enabled", "locked-identity-issued"], (await CaEventsAsync(log.NewStore())).Select(e => e.Change));

        // what is stored does not open with the key-encryption key alone, and opens with it and the unlock key
        await using (var query = log.NewStore().QuerySession())
        {
            var document = (await query.LoadAsync<ClusterCaDocument>(ClusterCaDocument.FixedId))!;
            var dataKey = (await query.LoadAsync<SecretDataKeyDocument>(SecretDataKeyDocument.FixedId))!;
            var kek = KeyEncryptionKey.Parse(log.Kek);
            var rootPurpose = ClusterCaDocument.RootKeyPurpose(document.ClusterId, (await first.CurrentAsync()).RootFingerprints[0]);
            var workerPurpose = ClusterCaDocument.SecretPurpose(document.ClusterId, "worker");
            var dataPurpose = SecretDataKeyDocument.Purpose(dataKey.Id);
            Assert.True(document.Autolock);
            Assert.True(dataKey.Autolocked);
            Assert.ThrowsAny<CryptographicException>(() => kek.Open(document.SealedRootKeys[0], rootPurpose));
            Assert.ThrowsAny<CryptographicException>(() => kek.Open(document.SealedWorkerSecret, workerPurpose));
            Assert.ThrowsAny<CryptographicException>(() => kek.Open(dataKey.SealedKey, dataPurpose));
            var combined = kek.WithUnlockKey(key);
            Assert.NotEmpty(combined.Open(document.SealedRootKeys[0], rootPurpose));
            Assert.NotEmpty(combined.Open(dataKey.SealedKey, dataPurpose));
        }

        // the running manager keeps what it opened: only the sealing changed
        running.Invalidate();
        Assert.Equal(tokens, await running.JoinTokensAsync());
        Assert.Equal(new AutolockStatus(true, false, false), await running.AutolockAsync());

        // a manager that starts now reads the public state but nothing sealed
        var restarted = log.NewCa();
        var restartedSecrets = new SecretStore(log.NewStore(), restarted.Keys);
        Assert.Equal((await first.CurrentAsync()).RootFingerprints, (await restarted.CurrentAsync()).RootFingerprints);
        Assert.Equal(new AutolockStatus(true, true, false), await restarted.AutolockAsync());
        await Assert.ThrowsAsync<ClusterLockedException>(() => restarted.JoinTokensAsync());
        await Assert.ThrowsAsync<ClusterLockedException>(() => restarted.IssueClientCertificateAsync(RootCa.NewKeyAndRequest().CsrDer, "alice"));
        await Assert.ThrowsAsync<ClusterLockedException>(() => restarted.IssueForTokenAsync(RootCa.NewKeyAndRequest().CsrDer, tokens.Worker));
        await Assert.ThrowsAsync<ClusterLockedException>(() => restartedSecrets.ReadValueAsync(SecretStore.SecretKind, secretId));

        // it still has a TLS identity: the locked identity, a manager certificate of this cluster
        using var identity = await restarted.IssueManagerCertificateAsync("dispatcher");
        Assert.True(identity.HasPrivateKey);
        var who = CertificateIdentity.From(identity)!;
        Assert.Equal((ClusterCa.LockedIdentityName, NodeRoles.Manager), (who.NodeId, who.Role));
        Assert.Null(CertificateChains.Verify(identity, (await restarted.CurrentAsync()).Roots, DateTimeOffset.UtcNow));

        // a wrong key is refused and changes nothing
        await Assert.ThrowsAsync<WrongUnlockKeyException>(() => restarted.UnlockAsync(UnlockKey.Generate()));
        Assert.True((await restarted.AutolockAsync()).Locked);

        // the right one unlocks the CA and the secret store of the process
        Assert.True(await restarted.UnlockAsync(UnlockKey.Parse(key.ToString())));
        Assert.Equal(new AutolockStatus(true, false, true), await restarted.AutolockAsync());
        Assert.Equal(tokens, await restarted.JoinTokensAsync());
        Assert.Equal("s3cret-value"u8.ToArray(), await restartedSecrets.ReadValueAsync(SecretStore.SecretKind, secretId));
        using var issued = await restarted.IssueManagerCertificateAsync("dispatcher");
        Assert.Equal("dispatcher", CertificateIdentity.From(issued)!.NodeId);
    }

    [SkippableFact]
    public async Task Rotating_the_unlock_key_retires_the_old_one_and_turning_autolock_off_restores_the_key_encryption_key_alone()
    {
        await using var log = await CaLog.CreateAsync();
        var admin = log.NewCa();
        var tokens = await admin.JoinTokensAsync();
        var secretId = await new SecretStore(log.NewStore(), admin.Keys).CreateAsync(SecretStore.ConfigKind, "app.conf", null, "x=1"u8.ToArray());
        var old = (await admin.EnableAutolockAsync())!;

        var rotated = await admin.RotateUnlockKeyAsync();
        Assert.False(rotated.SameAs(old));
        Assert.Equal(rotated.ToString(), (await admin.KnownUnlockKeyAsync())!.ToString());
        Assert.Equal(tokens, await admin.JoinTokensAsync());

        var restarted = log.NewCa();
        await Assert.ThrowsAsync<WrongUnlockKeyException>(() => restarted.UnlockAsync(old));
        Assert.True(await restarted.UnlockAsync(rotated));
        Assert.Equal("x=1"u8.ToArray(), await new SecretStore(log.NewStore(), restarted.Keys).ReadValueAsync(SecretStore.ConfigKind, secretId));

        // a manager that does not hold the key may not turn autolock off or rotate it
        var locked = log.NewCa();
        await Assert.ThrowsAsync<ClusterLockedException>(() => locked.DisableAutolockAsync());
        await Assert.ThrowsAsync<ClusterLockedException>(() => locked.RotateUnlockKeyAsync());

        Assert.True(await admin.DisableAutolockAsync());
        Assert.False(await admin.DisableAutolockAsync());
        Assert.Equal(new AutolockStatus(false, false, false), await admin.AutolockAsync());
        Assert.Null(await admin.KnownUnlockKeyAsync());

        // with autolock off, a manager starting with the key-encryption key alone opens everything
        var plain = log.NewCa();
        Assert.Equal(new AutolockStatus(false, false, false), await plain.AutolockAsync());
        Assert.Equal(tokens, await plain.JoinTokensAsync());
        Assert.Equal("x=1"u8.ToArray(), await new SecretStore(log.NewStore(), log.NewCa().Keys).ReadValueAsync(SecretStore.ConfigKind, secretId));
        Assert.False(await plain.UnlockAsync(rotated)); // nothing to unlock
        await Assert.ThrowsAsync<InvalidOperationException>(() => plain.RotateUnlockKeyAsync());
        Assert.Equal(
            ["autolock-enabled", "locked-identity-issued", "unlock-key-rotated", "autolock-disabled"],
            (await CaEventsAsync(log.NewStore())).Select(e => e.Change));
    }

    [SkippableFact]
    public async Task Enabling_autolock_before_any_secret_makes_the_data_key_sealed_under_it()
    {
        await using var log = await CaLog.CreateAsync();
        var admin = log.NewCa();
        var key = (await admin.EnableAutolockAsync())!;

        var locked = log.NewCa();
        var lockedSecrets = new SecretStore(log.NewStore(), locked.Keys);
        await Assert.ThrowsAsync<ClusterLockedException>(() => lockedSecrets.CreateAsync(SecretStore.SecretKind, "a", null, "v"u8.ToArray()));
        await locked.UnlockAsync(key);
        var id = await lockedSecrets.CreateAsync(SecretStore.SecretKind, "a", null, "v"u8.ToArray());
        Assert.Equal("v"u8.ToArray(), await new SecretStore(log.NewStore(), admin.Keys).ReadValueAsync(SecretStore.SecretKind, id));
    }
}
