namespace Swarm.Ctl.Api;

/// <summary>A connection to the API that could not be made, with the reason to show as it is.</summary>
public sealed class ApiTransportException(string message, Exception? inner = null) : Exception(message, inner);
