using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Swarm.ControlApi.Contracts;
using Swarm.ControlApi.Logs;
using Swarm.Security;

namespace Swarm.ControlApi.Cluster;

/// <summary>
/// The control API's view of the dispatcher replicas' locks: asks each (<c>Dispatcher:Address</c>, the addresses the log
/// relay uses) for <c>GET /autolock</c> and gives a locked one the unlock key with <c>POST /unlock</c>, over the same
/// mutual TLS as the log relay (<see cref="DispatcherLogClient"/>: this process's manager certificate; only a dispatcher
/// showing a manager certificate of this cluster is believed). The key travels only in that request's body.
/// </summary>
public sealed class DispatcherLocks(DispatcherLogClient client, IConfiguration configuration)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);

    public IReadOnlyList<string> Addresses { get; } = (configuration["Dispatcher:Address"] is { Length: > 0 } configured ? configured : LogEndpoints.DefaultDispatcherAddress)
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Every replica's lock state.</summary>
    public async Task<IReadOnlyList<DispatcherLockView>> StatusAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(Addresses.Select(a => StatusAsync(a, cancellationToken)));

    /// <summary>Gives every replica that is locked (or all, with <paramref name="evenUnlocked"/>: after a rotation) the key; answers each one's state after.</summary>
    public async Task<IReadOnlyList<DispatcherLockView>> UnlockAsync(UnlockKey key, bool evenUnlocked, CancellationToken cancellationToken) =>
        await Task.WhenAll(Addresses.Select(async address =>
        {
            var status = await StatusAsync(address, cancellationToken);
            return status.Reachable && (status.Locked == true || evenUnlocked) ? await UnlockAsync(address, key, cancellationToken) : status;
        }));

    private async Task<DispatcherLockView> StatusAsync(string address, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{address.TrimEnd('/')}/autolock");
            using var response = await client.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return new DispatcherLockView { Address = address, Reachable = true, Error = $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(timeout.Token)}" };
            }

            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
            return new DispatcherLockView
            {
                Address = address,
                Reachable = true,
                Locked = body.RootElement.TryGetProperty("locked", out var locked) && locked.ValueKind == JsonValueKind.True,
            };
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            return new DispatcherLockView { Address = address, Reachable = false, Error = ex.GetBaseException().Message };
        }
    }

    private async Task<DispatcherLockView> UnlockAsync(string address, UnlockKey key, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{address.TrimEnd('/')}/unlock")
            {
                Content = JsonContent.Create(new UnlockRequest { Key = key.ToString() }),
            };
            using var response = await client.SendAsync(request, timeout.Token);
            return response.StatusCode == HttpStatusCode.OK
                ? new DispatcherLockView { Address = address, Reachable = true, Locked = false }
                : new DispatcherLockView { Address = address, Reachable = true, Locked = true, Error = $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(timeout.Token)}" };
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new DispatcherLockView { Address = address, Reachable = false, Error = ex.GetBaseException().Message };
        }
    }
}
