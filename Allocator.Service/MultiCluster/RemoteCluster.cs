using System.Diagnostics;
using Allocation.V1;
using Grpc.Core;

namespace Allocator.Service.MultiCluster;

/// <summary>
/// Calls another cluster's allocator over gRPC with mTLS, as Agones forwards a multi-cluster
/// allocation: the request with <c>multiClusterSetting.enabled=false</c> (so it is not forwarded
/// again) in the policy's namespace, the caller's <c>x-request-id</c> (a retry gets that cluster's
/// first answer) and what is left of the deadline. Endpoints are tried in order while they are
/// unreachable; any other answer is that cluster's. The response's <c>source</c> is the endpoint,
/// as in Agones.
/// </summary>
public sealed class RemoteCluster(IClientCredentialSource credentials, ClusterChannels channels)
{
    public async Task<ClusterAttempt> AllocateAsync(AllocationPolicy policy, ClusterCall call, CancellationToken cancellationToken)
    {
        var connection = policy.Connection;
        var where = string.Join(",", connection.Endpoints);
        if (connection.SecretName.Length == 0)
        {
            return Refused(policy, where, $"{PolicyJson.Kind} {policy}: spec.connectionInfo.secretName: required to call a remote cluster (the client certificate)");
        }

        ClientCredentials identity;
        try
        {
            identity = await credentials.GetAsync(policy.Namespace, connection.SecretName, cancellationToken);
        }
        catch (ClusterSetupException e)
        {
            return Refused(policy, where, $"{PolicyJson.Kind} {policy}: {e.Message}");
        }

        var request = call.Request.Clone();
        request.MultiClusterSetting ??= new MultiClusterSetting();
        request.MultiClusterSetting.Enabled = false;
        request.Namespace = connection.Namespace;
        var headers = new Metadata { { Api.CallSettings.RequestIdHeader, call.RequestId } };
        if (Activity.Current?.Id is { } trace) headers.Add("traceparent", trace);

        ClusterAnswer? last = null;
        foreach (var endpoint in connection.Endpoints)
        {
            try
            {
                var client = new AllocationService.AllocationServiceClient(channels.For(endpoint, policy, identity));
                var response = await client.AllocateAsync(request, headers, call.Deadline.UtcDateTime, cancellationToken);
                response.Source = endpoint.ToString();
                return ClusterAttempt.Allocated(response);
            }
            catch (ClusterSetupException e)
            {
                return Refused(policy, endpoint.ToString(), $"{PolicyJson.Kind} {policy}, secret {connection.SecretName}: {e.Message}");
            }
            catch (RpcException e)
            {
                last = new ClusterAnswer(policy, endpoint.ToString(), e.StatusCode, Describe(e));
                if (e.StatusCode != StatusCode.Unavailable) break;
            }
        }

        return ClusterAttempt.Refused(last!);
    }

    /// <summary>The status detail, and for a call that never reached the cluster, why (grpc-dotnet says only "Error connecting to subchannel.").</summary>
    private static string Describe(RpcException e)
    {
        var cause = e.Status.DebugException;
        while (cause?.InnerException is not null) cause = cause.InnerException;
        return cause is null || e.Status.Detail.Contains(cause.Message, StringComparison.Ordinal) ? e.Status.Detail : $"{e.Status.Detail} {cause.Message}";
    }

    /// <summary>A cluster that cannot be called as configured: FAILED_PRECONDITION, naming the policy and what to fix.</summary>
    public static ClusterAttempt Refused(AllocationPolicy policy, string where, string message) =>
        ClusterAttempt.Refused(new ClusterAnswer(policy, where.Length > 0 ? where : "no endpoint", StatusCode.FailedPrecondition, message));
}
