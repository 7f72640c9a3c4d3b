using System.Diagnostics;
using System.Formats.Tar;
using Docker.DotNet;
using Docker.DotNet.Models;
using Swarm.Worker.Exec.Docker;

namespace Swarm.Worker.Tests.Docker;

/// <summary>
/// A Docker engine for the executor tests, with the image <c>local/busybox</c> in it: the engine at
/// <c>SWARM_TEST_DOCKER</c> (what <c>./swarm test</c> starts), or else a private <c>dockerd</c> this
/// fixture starts when running as root. When neither is possible, <see cref="Unavailable"/> says why.
/// </summary>
public sealed class DockerEngineFixture : IAsyncLifetime
{
    public const string Image = "local/busybox";

    /// <summary>busybox with the network applets too (httpd, wget, nslookup, nc): a name of its own, so an engine holding an older <see cref="Image"/> builds it.</summary>
    public const string NetImage = "local/busybox-net";

    private static readonly string[] Tools = ["sh", "sleep", "echo", "cat", "touch", "test", "true", "false", "ls", "rm"];
    private static readonly string[] NetTools = [.. Tools, "mkdir", "grep", "httpd", "wget", "nslookup", "nc", "ip", "hostname"];

    private Process? _daemon;
    private string? _root;

    public Uri? Endpoint { get; private set; }
    public DockerClient? Client { get; private set; }
    public string? Unavailable { get; private set; }

    public async Task InitializeAsync()
    {
        try
        {
            Endpoint = Environment.GetEnvironmentVariable("SWARM_TEST_DOCKER") is { Length: > 0 } given
                ? new Uri(given)
                : await StartDaemonAsync();
            if (Endpoint is null)
            {
                return;
            }

            Client = DockerEngine.CreateClient(Endpoint);
            await WaitForEngineAsync(Client);
            await EnsureImageAsync(Client, Image, Tools);
            await EnsureImageAsync(Client, NetImage, NetTools);
        }
        catch (Exception ex)
        {
            Unavailable ??= $"no Docker engine for the executor tests: {ex.Message}";
        }
    }

    public async Task DisposeAsync()
    {
        if (_daemon is not null && Client is { } client)
        {
            // a daemon of our own: its containers and networks go first, with their bridges and iptables rules
            try
            {
                foreach (var container in await client.Containers.ListContainersAsync(new ContainersListParameters { All = true }))
                {
                    await client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
                }

                foreach (var network in await client.Networks.ListNetworksAsync(new NetworksListParameters()))
                {
                    if (network.Name is not ("bridge" or "host" or "none"))
                    {
                        await client.Networks.DeleteNetworkAsync(network.ID);
                    }
                }
            }
            catch (Exception)
            {
                // best effort
            }
        }

        Client?.Dispose();
        if (_daemon is { } daemon)
        {
            try
            {
                daemon.Kill();
                await daemon.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
            }
            catch (Exception)
            {
                // gone already
            }

            daemon.Dispose();
        }

        if (_root is not null)
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (Exception)
            {
                // vfs layers may hold read-only files; the temp directory is cleaned eventually
            }
        }
    }

    /// <summary>Skips the calling test, naming the reason, when there is no engine.</summary>
    public void SkipIfUnavailable() => Skip.If(Unavailable is not null, Unavailable);

    private async Task<Uri?> StartDaemonAsync()
    {
        var dockerd = FindOnPath("dockerd");
        if (!OperatingSystem.IsLinux() || dockerd is null)
        {
            Unavailable = "no Docker engine for the executor tests: SWARM_TEST_DOCKER is not set and dockerd is not installed (apt-get install docker.io, or run ./swarm test as root)";
            return null;
        }

        if (Environment.UserName != "root")
        {
            Unavailable = "no Docker engine for the executor tests: SWARM_TEST_DOCKER is not set and starting dockerd needs root (run ./swarm test as root)";
            return null;
        }

        _root = Path.Combine(Path.GetTempPath(), "swd-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_root);
        var socket = Path.Combine(_root, "docker.sock");
        var psi = new ProcessStartInfo(dockerd) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            // iptables on (bridge networks: embedded DNS, published ports), no default bridge (no docker0 to collide)
            "--bridge=none", "--storage-driver=vfs",
            "--data-root", Path.Combine(_root, "data"), "--exec-root", Path.Combine(_root, "exec"),
            "--pidfile", Path.Combine(_root, "docker.pid"), "-H", "unix://" + socket,
        })
        {
            psi.ArgumentList.Add(arg);
        }

        _daemon = Process.Start(psi) ?? throw new InvalidOperationException("dockerd did not start");
        _daemon.OutputDataReceived += (_, _) => { };
        _daemon.ErrorDataReceived += (_, _) => { };
        _daemon.BeginOutputReadLine();
        _daemon.BeginErrorReadLine();
        return new Uri("unix://" + socket);
    }

    private async Task WaitForEngineAsync(DockerClient client)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.System.PingAsync(attempt.Token);
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && _daemon is not { HasExited: true })
            {
                await Task.Delay(200);
            }
            catch (Exception ex)
            {
                Unavailable = $"no Docker engine for the executor tests: the engine at {Endpoint} does not answer ({ex.Message})";
                throw;
            }
        }
    }

    /// <summary>Imports an image of the static busybox binary with these applets when the engine lacks it.</summary>
    private async Task EnsureImageAsync(DockerClient client, string image, string[] tools)
    {
        try
        {
            await client.Images.InspectImageAsync(image);
            return;
        }
        catch (DockerImageNotFoundException)
        {
        }

        var busybox = new[] { "/bin/busybox", "/usr/bin/busybox" }.FirstOrDefault(File.Exists);
        if (busybox is null)
        {
            Unavailable = "no busybox binary to build the test image from (apt-get install busybox-static)";
            throw new InvalidOperationException(Unavailable);
        }

        using var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, "bin/") { Mode = (UnixFileMode)0b111_101_101 });
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, "tmp/") { Mode = (UnixFileMode)0b111_111_111 });
            await using (var binary = File.OpenRead(busybox))
            {
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox") { Mode = (UnixFileMode)0b111_101_101, DataStream = binary });
            }

            foreach (var tool in tools)
            {
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/" + tool) { LinkName = "busybox", Mode = (UnixFileMode)0b111_111_111 });
            }
        }

        tar.Position = 0;
        await client.Images.CreateImageAsync(
            new ImagesCreateParameters { FromSrc = "-", Repo = image, Tag = "latest", Changes = ["ENV PATH=/bin"] },
            tar,
            new AuthConfig(),
            new Progress<JSONMessage>());
        await client.Images.InspectImageAsync(image);
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin").Append("/usr/bin")
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}

[CollectionDefinition(Name)]
public sealed class DockerEngineCollection : ICollectionFixture<DockerEngineFixture>
{
    public const string Name = "docker engine";
}
