namespace Swarm.Security;

/// <summary>The roles a certificate carries in its OU, as SwarmKit names them.</summary>
public static class NodeRoles
{
    public const string Worker = "swarm-worker";
    public const string Manager = "swarm-manager";

    /// <summary>The role of a join-token kind: <c>worker</c> or <c>manager</c>.</summary>
    public static string? FromKind(string kind) => kind switch
    {
        "worker" => Worker,
        "manager" => Manager,
        _ => null,
    };

    /// <summary><c>worker</c> or <c>manager</c> for a role.</summary>
    public static string Kind(string role) => role == Manager ? "manager" : "worker";
}
