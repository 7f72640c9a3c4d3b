using System.Diagnostics;
using System.Globalization;

namespace Swarm.ScaleBench;

/// <summary>CPU time and peak resident memory of a process, from /proc.</summary>
public static class ProcessStats
{
    private static readonly double TicksPerSecond = 100.0;

    public static double CpuSeconds(Process process)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
            var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (utime + stime) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public static long PeakRssBytes(Process process)
    {
        try
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>CPU seconds every process with this command name (<c>postgres</c>, <c>beam.smp</c>) has used so far.</summary>
    public static double CpuSecondsOfCommand(string command)
    {
        var total = 0.0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                if (stat[(open + 1)..close] != command)
                {
                    continue;
                }

                var fields = stat[(close + 2)..].Split(' ');
                total += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;

                // the parent of the others (PostgreSQL's postmaster) also counts its children that ended:
                // backends that closed and autovacuum workers
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (!IsCommand(parent, command))
                {
                    total += (long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)) / TicksPerSecond;
                }
            }
            catch (IOException)
            {
                // the process ended while being read
            }
        }

        return total;
    }

    private static bool IsCommand(int pid, string command)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')] == command;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>CPU seconds the whole machine has been busy (every core, from /proc/stat; time stolen by the hypervisor left out).</summary>
    public static double MachineBusySeconds()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal
        var busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6];
        return busy / TicksPerSecond;
    }

    /// <summary>CPU seconds used so far by each process of the plane, PostgreSQL, RabbitMQ and the whole machine.</summary>
    public static Dictionary<string, double> Snapshot(IReadOnlyDictionary<string, Process> plane)
    {
        var cpu = plane.ToDictionary(p => p.Key, p => CpuSeconds(p.Value));
        cpu["postgresql"] = CpuSecondsOfCommand("postgres");
        cpu["rabbitmq"] = CpuSecondsOfCommand("beam.smp");
        cpu["bench"] = CpuSeconds(Process.GetCurrentProcess());
        cpu[Machine] = MachineBusySeconds();
        return cpu;
    }

    public const string Machine = "machine (all processes)";
}
