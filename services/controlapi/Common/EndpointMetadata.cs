namespace Swarm.ControlApi.Common;

public static class EndpointMetadata
{
    /// <summary>Documents the <see cref="ApiError"/> answers an endpoint can give.</summary>
    public static RouteHandlerBuilder ProducesErrors(this RouteHandlerBuilder builder, params int[] statusCodes)
    {
        foreach (var status in statusCodes)
        {
            builder.Produces<ApiError>(status);
        }

        return builder;
    }
}
