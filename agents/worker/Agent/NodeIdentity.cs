namespace Swarm.Worker.Agent;

/// <summary>The node id the dispatcher handed out, kept in <c>&lt;state-dir&gt;/node-id</c> so restarts keep the identity.</summary>
public static class NodeIdentity
{
    public static string? Load(string stateDir)
    {
        var path = Path.Combine(stateDir, "node-id");
        return File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } id ? id : null;
    }

    public static void Save(string stateDir, string nodeId)
    {
        Directory.CreateDirectory(stateDir);
        var path = Path.Combine(stateDir, "node-id");
        var temp = path + ".tmp";
        File.WriteAllText(temp, nodeId + "\n");
        File.Move(temp, path, overwrite: true);
    }
}
