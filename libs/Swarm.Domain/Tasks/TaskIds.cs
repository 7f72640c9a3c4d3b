using System.Security.Cryptography;
using System.Text;

namespace Swarm.Domain.Tasks;

/// <summary>
/// Task ids are derived from (service, slot, attempt), so deciding the same thing twice names the
/// same stream and the second append is refused by the log instead of making a duplicate task.
/// </summary>
public static class TaskIds
{
    public static Guid ForSlot(Guid serviceId, int slot, int attempt) => Derive($"task:{serviceId:N}:{slot}:{attempt}");

    /// <summary>
    /// The id of a task the orchestrator decided to create: by slot (replicated) or node (global), and
    /// for jobs also by iteration, since every iteration starts its attempts again.
    /// </summary>
    public static Guid For(Guid serviceId, int slot, Guid? nodeId, int attempt, long? jobIteration)
    {
        var where = nodeId is { } node ? $"node:{node:N}" : slot.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var iteration = jobIteration is { } i ? $":job{i}" : "";
        return nodeId is null && jobIteration is null ? ForSlot(serviceId, slot, attempt) : Derive($"task:{serviceId:N}:{where}:{attempt}{iteration}");
    }

    public static Guid Derive(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50); // version 5-style marker
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes);
    }
}
