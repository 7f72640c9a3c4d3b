using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Swarm.Worker.Ca;

/// <summary>
/// One channel's rule for the server's certificate: logs why a server is refused, and keeps the last refusal so
/// that a failed call can say it was refused rather than unreachable.
/// </summary>
public sealed class ServerCheck(string hostname, Uri address, ILogger logger, Func<X509Certificate?, X509Chain?, string?> check)
{
    public string? LastRefusal { get; private set; }

    public bool Accept(X509Certificate? certificate, X509Chain? chain)
    {
        string? problem;
        try
        {
            problem = check(certificate, chain);
        }
        catch (Exception ex)
        {
            problem = $"its certificate cannot be checked: {ex.Message}";
        }

        if (problem is null)
        {
            LastRefusal = null;
            return true;
        }

        LastRefusal = problem;
        logger.LogError("{Hostname}: refusing the dispatcher at {Address}: {Problem}", hostname, address, problem);
        return false;
    }
}
