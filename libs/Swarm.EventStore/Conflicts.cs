using Npgsql;

namespace Swarm.EventStore;

/// <summary>
/// Optimistic concurrency on the log: a decision made from stale state is refused at commit and
/// made again from fresh state.
/// </summary>
public static class Conflicts
{
    private static readonly HashSet<string> ConflictTypes =
    [
        "ConcurrencyException",
        "ConcurrentUpdateException",
        "EventStreamUnexpectedMaxEventIdException",
        "ExistingStreamIdCollisionException",
        "DocumentAlreadyExistsException",
        "DcbConcurrencyException",
        "SessionGroupConflictException",
    ];

    /// <summary>Whether the exception says another writer got there first.</summary>
    public static bool IsConflict(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (ConflictTypes.Contains(e.GetType().Name))
            {
                return true;
            }

            if (e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.LockNotAvailable })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the exception is a second start of a stream that already exists.</summary>
    public static bool IsStreamCollision(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e.GetType().Name == "ExistingStreamIdCollisionException")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Runs a decide-and-append step, again from fresh state on a conflict.</summary>
    public static async Task<T> RetryAsync<T>(Func<int, Task<T>> step, int attempts = 8, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await step(attempt);
            }
            catch (Exception ex) when (attempt < attempts && IsConflict(ex))
            {
                await Task.Delay(Random.Shared.Next(5, 20 * attempt), cancellationToken);
            }
        }
    }

    public static Task RetryAsync(Func<int, Task> step, int attempts = 8, CancellationToken cancellationToken = default) =>
        RetryAsync<bool>(async a =>
        {
            await step(a);
            return true;
        }, attempts, cancellationToken);
}
