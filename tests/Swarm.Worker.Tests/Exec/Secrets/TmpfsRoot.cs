using Swarm.Worker.Exec;
using Swarm.Worker.Exec.Secrets;

namespace Swarm.Worker.Tests.Exec.Secrets;

/// <summary>A task files root of one test on this machine's tmpfs (<c>/dev/shm</c>), removed at the end.</summary>
public sealed class TmpfsRoot : IDisposable
{
    public TmpfsRoot()
    {
        Path = System.IO.Path.Combine("/dev/shm", "swarm-test-" + Guid.NewGuid().ToString("N")[..12]);
    }

    public string Path { get; }

    /// <summary>Why the tests cannot run here (no tmpfs at <c>/dev/shm</c>), or null.</summary>
    public static string? Unavailable =>
        !OperatingSystem.IsLinux() ? "task files are written on Linux only"
        : Posix.FilesystemType("/dev/shm", out _) != Posix.TmpfsMagic ? "/dev/shm is not a tmpfs on this machine"
        : null;

    public string TaskDir(string taskId) => System.IO.Path.Combine(Path, taskId);

    public static HeldValue Secret(string id, string name, string text) => new(id, ValueKind.Secret, name, System.Text.Encoding.UTF8.GetBytes(text));

    public static HeldValue Config(string id, string name, string text) => new(id, ValueKind.Config, name, System.Text.Encoding.UTF8.GetBytes(text));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
