using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Swarm.ControlApi.Contracts;
using Swarm.Dispatcher.Api;
using Swarm.EventStore.Security;
using Swarm.IntegrationTests.Api;
using Swarm.Security;
using Swarm.Testing;

namespace Swarm.IntegrationTests.DispatcherSecurity;

/// <summary>
/// A dispatcher replica that starts while autolock is on refuses agents with FAILED_PRECONDITION "locked" (it still
/// serves TLS, with the locked identity) until the control API, given the unlock key, unlocks it over mutual TLS.
/// </summary>
public sealed class AutolockDispatcherTests
{
    [SkippableFact]
    public async Task A_locked_dispatcher_refuses_agents_until_the_control_api_unlocks_it()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        var kek = KeyEncryptionKey.Generate();
        await using var admin = await ControlApiHost.StartAsync(cluster, kek);
        var ca = admin.App.Services.GetRequiredService<ClusterCa>();
        var worker = await WorkerCertificateAsync(ca);
        var token = (await ca.JoinTokensAsync()).Worker;
        string key;
        using (var client = admin.Socket())
        {
            using var enabled = await client.PostAsJsonAsync("api/cluster/autolock", new UpdateAutolockRequest { Autolock = true });
            key = (await enabled.Content.ReadFromJsonAsync<AutolockView>())!.UnlockKey!;
        }

        await using var dispatcher = await TlsDispatcher.StartAsync(cluster, ca: null, new() { ["Swarm:Ca:Key"] = kek });
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // locked: it presents the locked identity, and refuses registration and joins
        Assert.Equal(ClusterCa.LockedIdentityName, CertificateIdentity.From(dispatcher.Trust.Current!.ManagerCertificate)!.NodeId);
        var agent = dispatcher.Agent(worker);
        var refused = await Eventually.WaitAsync<RpcException?>(async () =>
        {
            try
            {
                await agent.RegisterAsync(new RegisterRequest { Description = new NodeDescription { Hostname = "node-1", Executor = "sim" } }, cancellationToken: cancel.Token);
                return null;
            }
            catch (RpcException ex)
            {
                return ex;
            }
        }, ex => ex is null || ex.Status.Detail.StartsWith("locked", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "a refusal once the replica leads");
        Assert.NotNull(refused);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        var (csrKey, csr) = RootCa.NewKeyAndRequest();
        using (csrKey)
        {
            var join = await Assert.ThrowsAsync<RpcException>(async () => await dispatcher.NodeCa(null).IssueNodeCertificateAsync(
                new IssueNodeCertificateRequest { Csr = ByteString.CopyFrom(csr), Token = token }, cancellationToken: cancel.Token));
            Assert.Equal(StatusCode.FailedPrecondition, join.StatusCode);
        }

        // a control API that restarts is locked too; unlocking it unlocks the dispatcher it knows
        await using var restarted = await ControlApiHost.StartAsync(cluster, kek, new() { ["Dispatcher:Address"] = dispatcher.GrpcAddress.ToString() });
        using (var client = restarted.Socket())
        {
            var before = (await client.GetFromJsonAsync<AutolockView>("api/cluster/autolock", cancel.Token))!;
            Assert.True(before.Locked);
            var seen = Assert.Single(before.Dispatchers!);
            Assert.True(seen.Locked == true, $"{seen.Reachable} {seen.Error}");

            using var unlocked = await client.PostAsJsonAsync("api/cluster/unlock", new UnlockRequest { Key = key }, cancel.Token);
            var after = (await unlocked.Content.ReadFromJsonAsync<AutolockView>(cancel.Token))!;
            Assert.False(after.Locked);
            var replica = Assert.Single(after.Dispatchers!);
            Assert.True(replica.Locked == false, replica.Error);
        }

        var registered = await dispatcher.RegisterAsync(worker, "node-1", cancel.Token);
        Assert.False(string.IsNullOrEmpty(registered.SessionId));

        // unlocked, it has a certificate of its own issued in place of the locked identity
        while (CertificateIdentity.From(dispatcher.Trust.Current!.ManagerCertificate)!.NodeId == ClusterCa.LockedIdentityName)
        {
            await Task.Delay(100, cancel.Token);
        }
    }

    private static async Task<X509Certificate2> WorkerCertificateAsync(ClusterCa ca)
    {
        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            var issued = await ca.IssueForTokenAsync(csr, (await ca.JoinTokensAsync()).Worker);
            return Pem.WithKey(issued.Certificate.ExportCertificatePem(), Pem.PrivateKey(key));
        }
    }
}
