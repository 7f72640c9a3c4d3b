using Swarm.Dispatcher.Sessions;

namespace Swarm.Dispatcher.Leadership;

/// <summary>
/// <c>GET /raft/status</c>: this replica's view of dispatcher leadership (role, term, leader, members
/// and the agent sessions it holds), for operators and the control API's replica list.
/// </summary>
public static class RaftStatusEndpoint
{
    public static IEndpointRouteBuilder MapRaftStatus(this IEndpointRouteBuilder app)
    {
        app.MapGet("/raft/status", (LeadershipState state, SessionRegistry sessions) =>
        {
            var lease = state.CurrentLease;
            return Results.Ok(new RaftStatus(
                state.ReplicaId,
                state.Role,
                lease?.Term ?? state.RaftTerm,
                lease is not null,
                lease?.Since,
                state.LeaderEndPoint,
                state.LeaderAgentAddress,
                lease is null ? 0 : sessions.Count,
                state.Members()));
        });
        return app;
    }
}

/// <summary>The body of <c>GET /raft/status</c>.</summary>
public sealed record RaftStatus(
    string ReplicaId,
    string Role,
    long Term,
    bool Serving,
    DateTimeOffset? LeaderSince,
    string? Leader,
    string? LeaderAgentAddress,
    int Sessions,
    IReadOnlyList<RaftMemberStatus> Members);
