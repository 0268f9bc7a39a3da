using Herald.Broker.Auth;
using Herald.Broker.Persistence;
using Herald.Storage.Redis.Cluster;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Herald.Server.Hosting;

/// <summary>
/// <c>/readyz</c>: whether this node should get clients. Not while it stops, not while its durable
/// store cannot write, not while the cluster's Redis does not answer, and not while the store of
/// users, rules and bans (auth.db or Redis) does not answer.
/// </summary>
public sealed class ReadinessCheck(Broker.Broker broker, IAclStore policy, IDurableStore? store = null, RedisCluster? cluster = null) : IHealthCheck
{
    public const string Tag = "ready";

    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (broker.IsStopping)
            return HealthCheckResult.Unhealthy("the server is stopping");
        if (cluster is { IsReachable: false })
            return HealthCheckResult.Unhealthy($"the cluster's Redis {cluster.Configuration} does not answer (see the log)");
        if (store is { IsWriting: false })
            return HealthCheckResult.Unhealthy("the durable store cannot write (see the log)");
        try
        {
            // Bounded here: a Redis that went away would hold the answer for its client's whole timeout.
            await policy.GetVersionAsync(cancellationToken).AsTask().WaitAsync(StoreTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"the user and ACL store did not answer within {StoreTimeout.TotalSeconds} s");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"the user and ACL store does not answer: {e.Message}");
        }
        return HealthCheckResult.Healthy();
    }
}
