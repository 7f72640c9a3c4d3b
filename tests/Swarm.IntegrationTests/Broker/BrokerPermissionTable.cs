namespace Swarm.IntegrationTests.Broker;

/// <summary>One line of <c>infra/rabbitmq/permissions.tsv</c>: a broker user and its rights on the cluster's vhost.</summary>
public sealed record BrokerUserPermissions(string User, string Configure, string Write, string Read, string Tags);

/// <summary>
/// The broker users and their permissions exactly as <c>./swarm</c> and the compose deployment apply them: the
/// table is read from the repository, never copied, so a change to it is what these tests check.
/// </summary>
public static class BrokerPermissionTable
{
    public const string RelativePath = "infra/rabbitmq/permissions.tsv";

    public static IReadOnlyList<BrokerUserPermissions> Load()
    {
        var path = Find();
        var users = new List<BrokerUserPermissions>();
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var f = line.Split('\t');
            if (f.Length != 5)
            {
                throw new FormatException($"{path}: '{line}' has {f.Length} tab-separated fields, expected 5 (user, configure, write, read, tags)");
            }

            users.Add(new BrokerUserPermissions(f[0], f[1], f[2], f[3], f[4] == "-" ? "" : f[4]));
        }

        return users;
    }

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, RelativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{RelativePath} not found above {AppContext.BaseDirectory}");
    }
}
