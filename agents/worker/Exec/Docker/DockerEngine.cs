using Docker.DotNet;

namespace Swarm.Worker.Exec.Docker;

/// <summary>Where the Docker engine is: <c>DOCKER_HOST</c> when set, else the standard socket.</summary>
public static class DockerEngine
{
    public const string DefaultSocket = "/var/run/docker.sock";

    /// <summary>The engine's endpoint, or null when there is none to talk to.</summary>
    public static Uri? Endpoint(string? dockerHost = null)
    {
        dockerHost ??= Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrWhiteSpace(dockerHost))
        {
            return Uri.TryCreate(dockerHost, UriKind.Absolute, out var uri) ? uri : null;
        }

        return File.Exists(DefaultSocket) ? new Uri("unix://" + DefaultSocket) : null;
    }

    /// <summary>Whether an engine endpoint is configured or the standard socket exists (the default executor is then docker).</summary>
    public static bool IsConfigured() => Endpoint() is not null;

    public static DockerClient CreateClient(Uri endpoint) =>
        new DockerClientConfiguration(endpoint, defaultTimeout: TimeSpan.FromMinutes(2)).CreateClient();
}
