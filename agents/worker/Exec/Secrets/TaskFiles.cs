using System.Globalization;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Swarm.Worker.Exec.Secrets;

/// <summary>One file of a task: where it is on this host, and where the task sees it in a container.</summary>
public sealed record TaskFile(ValueKind Kind, string Name, string HostPath, string ContainerPath);

/// <summary>The secret and config files of one task, in its private directory.</summary>
public sealed record TaskFiles(string Directory, string? SecretsDir, string? ConfigsDir, IReadOnlyList<TaskFile> Files);

/// <summary>
/// Where this node's tasks get their secret and config files: a directory on a tmpfs (memory, never persistent disk),
/// with one private directory (0700) per task, <c>&lt;root&gt;/&lt;task id&gt;/secrets/&lt;target&gt;</c> and
/// <c>&lt;root&gt;/&lt;task id&gt;/configs/&lt;target relative to /&gt;</c>. A config whose target is a file name lies
/// at <c>configs/&lt;name&gt;</c>; one whose target is an absolute path lies under <c>configs</c> by its path relative
/// to <c>/</c> (<c>/etc/app/app.conf</c> → <c>configs/etc/app/app.conf</c>). Each file has its reference's mode and
/// owner. The root must be on a tmpfs: on anything else no value is written and the task is rejected, naming the path
/// and its filesystem. A task's directory is removed when the task ends; <see cref="RemoveStale"/> removes those an
/// earlier agent process left for tasks that are not kept.
/// </summary>
public sealed class TaskFilesRoot
{
    private readonly object _gate = new();
    private readonly HashSet<string> _inUse = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    public TaskFilesRoot(string path, ILogger logger)
    {
        Path = System.IO.Path.GetFullPath(path);
        _logger = logger;
    }

    /// <summary>The root directory.</summary>
    public string Path { get; }

    /// <summary>Where secrets appear in a container.</summary>
    public const string ContainerSecretsDir = "/run/secrets";

    /// <summary>
    /// The default root of a node: <c>/dev/shm/swarm-&lt;hostname&gt;-&lt;digest of its state directory&gt;</c> (or
    /// under <c>$XDG_RUNTIME_DIR</c> when there is no <c>/dev/shm</c>): one per node, the same after a restart, so a
    /// restarted agent finds what an earlier one left.
    /// </summary>
    public static string DefaultPath(string stateDir, string hostname, Func<string, string?>? environment = null)
    {
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(System.IO.Path.GetFullPath(stateDir))))[..8];
        var host = new string([.. hostname.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]);
        var name = $"swarm-{(host.Length > 40 ? host[..40] : host)}-{digest}";
        if (!System.IO.Directory.Exists("/dev/shm") && (environment ?? Environment.GetEnvironmentVariable)("XDG_RUNTIME_DIR") is { Length: > 0 } runtime)
        {
            return System.IO.Path.Combine(runtime, name);
        }

        return System.IO.Path.Combine("/dev/shm", name);
    }

    /// <summary>Whether the task references any secret or config.</summary>
    public static bool Needs(TaskRunSpec spec) => spec.Secrets.Count > 0 || spec.Configs.Count > 0;

    /// <summary>
    /// Throws <see cref="TaskRejectedException"/> when the task references a secret or config that has no live value
    /// (empty id), whose value this node does not hold, or whose target is not a valid file name or path.
    /// </summary>
    public static void CheckAvailable(TaskRunSpec spec, SecretStore store)
    {
        foreach (var (reference, kind) in References(spec))
        {
            var what = $"{Kind(kind)} '{reference.Name}'";
            if (string.IsNullOrEmpty(reference.Id))
            {
                throw new TaskRejectedException($"{what} is not available: no {Kind(kind)} of that name exists");
            }

            if (!store.Contains(reference.Id))
            {
                throw new TaskRejectedException($"{what} is not available: its value was not sent to this node");
            }

            RelativePath(reference, kind);
        }
    }

    /// <summary>
    /// Writes the task's files from the values held, in a fresh private directory of the task, and returns them.
    /// Throws <see cref="TaskRejectedException"/> (nothing left behind) when a value is missing, the root is not on a
    /// tmpfs, or a file cannot be written or given to its owner.
    /// </summary>
    public TaskFiles Materialise(TaskAssignment task, SecretStore store)
    {
        var spec = task.Spec;
        CheckAvailable(spec, store);
        if (OperatingSystem.IsWindows())
        {
            throw new TaskRejectedException("secrets and configs are delivered as files on a tmpfs: only on Linux");
        }

        ProcessRecords.CheckTaskId(task.TaskId);
        var (first, firstKind) = References(spec).First();
        var what = $"{Kind(firstKind)} '{first.Name}'";
        var dir = System.IO.Path.Combine(Path, task.TaskId);
        lock (_gate)
        {
            _inUse.Add(task.TaskId);
        }

        try
        {
            EnsureRoot(what);
            DeleteTree(dir);
            CreatePrivateDirectory(dir);
            var secretsDir = spec.Secrets.Count > 0 ? CreatePrivateDirectory(System.IO.Path.Combine(dir, "secrets")) : null;
            var configsDir = spec.Configs.Count > 0 ? CreatePrivateDirectory(System.IO.Path.Combine(dir, "configs")) : null;
            var files = new List<TaskFile>();
            foreach (var (reference, kind) in References(spec))
            {
                var relative = RelativePath(reference, kind);
                var hostPath = System.IO.Path.Combine(kind == ValueKind.Secret ? secretsDir! : configsDir!, relative);
                var containerPath = kind == ValueKind.Secret ? $"{ContainerSecretsDir}/{relative}" : "/" + relative;
                Write(reference, kind, hostPath, containerPath, store);
                files.Add(new TaskFile(kind, reference.Name, hostPath, containerPath));
            }

            return new TaskFiles(dir, secretsDir, configsDir, files);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or TaskRejectedException)
        {
            Remove(task.TaskId);
            throw ex as TaskRejectedException ?? new TaskRejectedException($"{what}: writing the task's files under {dir} failed: {ex.Message}");
        }
    }

    /// <summary>Removes the task's directory, when it has one.</summary>
    public void Remove(string taskId)
    {
        if (!ProcessRecords.IsValidTaskId(taskId))
        {
            return;
        }

        try
        {
            DeleteTree(System.IO.Path.Combine(Path, taskId));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("task {TaskId}: removing its secret and config files failed: {Message}", taskId, ex.Message);
        }
        finally
        {
            lock (_gate)
            {
                _inUse.Remove(taskId);
            }
        }
    }

    /// <summary>
    /// Removes the directories of tasks that are not in <paramref name="keep"/> and that this agent process did not
    /// write: what an earlier agent process left for tasks no longer assigned.
    /// </summary>
    public void RemoveStale(IReadOnlySet<string> keep)
    {
        string[] dirs;
        try
        {
            dirs = System.IO.Directory.GetDirectories(Path);
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("cannot read the task files directory {Root}: {Message}", Path, ex.Message);
            return;
        }

        foreach (var dir in dirs)
        {
            var taskId = System.IO.Path.GetFileName(dir);
            bool inUse;
            lock (_gate)
            {
                inUse = _inUse.Contains(taskId);
            }

            if (!inUse && !keep.Contains(taskId))
            {
                _logger.LogInformation("task {TaskId} is no longer assigned: removing its secret and config files", taskId);
                Remove(taskId);
            }
        }
    }

    /// <summary>The task's references with their kind: secrets first, then configs.</summary>
    private static IEnumerable<(TaskFileReference Reference, ValueKind Kind)> References(TaskRunSpec spec) =>
        spec.Secrets.Select(s => (s, ValueKind.Secret)).Concat(spec.Configs.Select(c => (c, ValueKind.Config)));

    private static string Kind(ValueKind kind) => kind == ValueKind.Secret ? "secret" : "config";

    /// <summary>
    /// The file's path under the task's secrets or configs directory: a secret's target is a file name; a config's is a
    /// file name or an absolute path (without '.' or '..' segments), taken relative to <c>/</c>.
    /// </summary>
    private static string RelativePath(TaskFileReference reference, ValueKind kind)
    {
        var target = reference.Target;
        var what = $"{Kind(kind)} '{reference.Name}'";
        if (string.IsNullOrEmpty(target) || target.Contains('\0') || target.Contains('\\'))
        {
            throw new TaskRejectedException($"{what}: target '{target}' is not a file name");
        }

        if (kind == ValueKind.Config && target.StartsWith('/'))
        {
            var segments = target.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (segments.Length == 0 || segments.Any(s => s is "." or ".."))
            {
                throw new TaskRejectedException($"{what}: target '{target}' is not an absolute file path without '.' or '..'");
            }

            return string.Join('/', segments);
        }

        if (target.Contains('/') || target is "." or "..")
        {
            throw new TaskRejectedException(kind == ValueKind.Secret
                ? $"{what}: target '{target}' is not a file name under {ContainerSecretsDir}"
                : $"{what}: target '{target}' is not a file name or an absolute path");
        }

        return target;
    }

    /// <summary>Creates the root (0700, owned by this agent's user) on a tmpfs, or throws naming the path and why not.</summary>
    [UnsupportedOSPlatform("windows")]
    private void EnsureRoot(string what)
    {
        // the nearest existing directory first: nothing is created on a filesystem that is not a tmpfs
        if (Unsuitable() is { } why)
        {
            throw new TaskRejectedException($"{what} cannot be written: {why}");
        }
        if (!System.IO.Directory.Exists(Path))
        {
            System.IO.Directory.CreateDirectory(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        if (new DirectoryInfo(Path).LinkTarget is not null)
        {
            throw new TaskRejectedException($"{what} cannot be written: {Path} is a symbolic link, not a directory of this agent (--secrets-dir)");
        }

        if (Posix.ChangeOwner(Path, Posix.EffectiveUserId, Posix.EffectiveGroupId) is var errno and not 0)
        {
            throw new TaskRejectedException($"{what} cannot be written: {Path} belongs to another user ({Posix.ErrorText(errno)}) (--secrets-dir)");
        }

        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        RequireTmpfs(Path, what);
    }

    /// <summary>Why the root cannot hold task files (it, or the directory it would be created in, is not on a tmpfs); null when it can.</summary>
    public string? Unsuitable()
    {
        var existing = Path;
        while (!System.IO.Directory.Exists(existing) && System.IO.Path.GetDirectoryName(existing) is { } parent)
        {
            existing = parent;
        }

        return NotTmpfs(existing);
    }

    private static void RequireTmpfs(string path, string what)
    {
        if (NotTmpfs(path) is { } why)
        {
            throw new TaskRejectedException($"{what} cannot be written: {why}");
        }
    }

    private static string? NotTmpfs(string path)
    {
        var type = Posix.FilesystemType(path, out var errno);
        if (type is null)
        {
            return $"the filesystem of {path} cannot be read ({Posix.ErrorText(errno)}) (--secrets-dir)";
        }

        return type == Posix.TmpfsMagic
            ? null
            : $"{path} is on {FilesystemName(type.Value)}, not a tmpfs; secret and config values are kept in memory only, "
                + "never on persistent disk (--secrets-dir names a directory on a tmpfs, such as /dev/shm)";
    }

    private static string FilesystemName(long type) => type switch
    {
        0xEF53 => "an ext2/ext3/ext4 filesystem",
        0x58465342 => "an xfs filesystem",
        0x9123683E => "a btrfs filesystem",
        0x794C7630 => "an overlay filesystem",
        0x858458F6 => "a ramfs",
        0x6969 => "an NFS filesystem",
        _ => $"a filesystem of type 0x{type.ToString("x", CultureInfo.InvariantCulture)}",
    };

    [UnsupportedOSPlatform("windows")]
    private static string CreatePrivateDirectory(string path)
    {
        System.IO.Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>Writes one value to its file (created 0600, then given its mode and owner); the copy read is zeroed.</summary>
    [UnsupportedOSPlatform("windows")]
    private static void Write(TaskFileReference reference, ValueKind kind, string hostPath, string containerPath, SecretStore store)
    {
        var what = $"{Kind(kind)} '{reference.Name}'";
        var (uid, gid) = Owner(reference, what);
        if (System.IO.Path.GetDirectoryName(hostPath) is { } parent)
        {
            CreatePrivateDirectory(parent);
        }

        var data = store.CopyOf(reference.Id, kind) ?? throw new TaskRejectedException($"{what} is not available: its value was not sent to this node");
        try
        {
            using (var file = new FileStream(hostPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                file.Write(data);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }

        File.SetUnixFileMode(hostPath, reference.FileMode);
        var euid = Posix.EffectiveUserId;
        if ((euid == 0 || uid != euid || gid != Posix.EffectiveGroupId) && Posix.ChangeOwner(hostPath, uid, gid) is var errno and not 0)
        {
            throw new TaskRejectedException(
                $"{what}: cannot give {containerPath} to uid {uid} gid {gid}: {Posix.ErrorText(errno)} (the agent runs as uid {euid}; only root gives files to other users)");
        }
    }

    /// <summary>The file's owner: the reference's uid and gid; when not given, 0 for an agent run by root, else the agent's own.</summary>
    private static (uint Uid, uint Gid) Owner(TaskFileReference reference, string what)
    {
        var root = Posix.EffectiveUserId == 0;
        return (
            Id(reference.Uid, root ? 0 : Posix.EffectiveUserId, $"{what}: uid"),
            Id(reference.Gid, root ? 0 : Posix.EffectiveGroupId, $"{what}: gid"));
    }

    private static uint Id(string? given, uint fallback, string field) =>
        string.IsNullOrEmpty(given) ? fallback
        : uint.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id
        : throw new TaskRejectedException($"{field} '{given}' is not a number");

    private static void DeleteTree(string path)
    {
        try
        {
            System.IO.Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
