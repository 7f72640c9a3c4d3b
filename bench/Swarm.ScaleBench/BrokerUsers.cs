using System.Net.Http.Json;
using System.Security.Cryptography;

namespace Swarm.ScaleBench;

/// <summary>
/// One RabbitMQ user per component for a run's vhost, with the permissions <c>./swarm up</c> gives them
/// (<c>infra/rabbitmq/permissions.tsv</c>), so the benchmark measures the cluster as it is deployed. The users are
/// named after the run and deleted with it; their passwords are generated and live only in this process.
/// </summary>
public sealed class BrokerUsers(HttpClient management, string vhost, string run)
{
    private readonly Dictionary<string, string> _passwords = [];

    public static string TablePath(string repo) => Path.Combine(repo, "infra", "rabbitmq", "permissions.tsv");

    public string UserName(string component) => $"{run}-{component}";

    /// <summary>Creates every user of the table with its permissions on the vhost.</summary>
    public async Task CreateAsync(string repo, CancellationToken ct)
    {
        foreach (var line in await File.ReadAllLinesAsync(TablePath(repo), ct))
        {
            var f = line.Split('\t');
            if (line.StartsWith('#') || f.Length != 5)
            {
                continue;
            }

            var user = UserName(f[0]);
            _passwords[f[0]] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            (await management.PutAsJsonAsync($"api/users/{Uri.EscapeDataString(user)}", new { password = _passwords[f[0]], tags = f[4] == "-" ? "" : f[4] }, ct)).EnsureSuccessStatusCode();
            (await management.PutAsJsonAsync($"api/permissions/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(user)}", new { configure = f[1], write = f[2], read = f[3] }, ct)).EnsureSuccessStatusCode();
        }
    }

    /// <summary>The amqp:// URI of <paramref name="component"/>'s user on the vhost of <paramref name="broker"/> (amqp://host:port).</summary>
    public string UriOf(string component, Uri broker)
    {
        if (!_passwords.TryGetValue(component, out var password))
        {
            throw new InvalidOperationException($"{TablePath("<repo>")} has no user '{component}'");
        }

        var port = broker.IsDefaultPort || broker.Port <= 0 ? 5672 : broker.Port;
        return $"amqp://{Uri.EscapeDataString(UserName(component))}:{password}@{broker.Host}:{port}/{Uri.EscapeDataString(vhost)}";
    }

    public async Task DeleteAsync()
    {
        foreach (var component in _passwords.Keys)
        {
            await management.DeleteAsync($"api/users/{Uri.EscapeDataString(UserName(component))}");
        }
    }
}
