using Herald.Storage.Redis.Cluster;
using Microsoft.AspNetCore.Mvc;
using Herald.Broker.Connections;
using Herald.Broker.Messages;
using Herald.Broker.Sessions;
using Herald.Protocol;

namespace Herald.Server.Api;

/// <summary>
/// Connected clients, sessions and retained messages: list, search and read with the read scope;
/// kick a client and delete a retained message with the admin scope. Lists are sorted, and paged
/// by <c>offset</c> and <c>limit</c>.
/// </summary>
public static class ClientsApi
{
    public const int MaxLimit = 1000;

    public sealed record ClientView(
        string ClientId, string? Username, string Address, string Protocol, int KeepAlive, DateTimeOffset? ConnectedAt,
        bool Persistent, int Subscriptions, int Queued, int Inflight);

    public sealed record SubscriptionView(string Filter, int Qos, bool NoLocal, bool RetainAsPublished, int RetainHandling, int? SubscriptionId);

    public sealed record SessionView(
        string ClientId, string? Username, bool Connected, uint ExpiryInterval, int Queued, int Inflight, IReadOnlyList<SubscriptionView> Subscriptions);

    public sealed record Page<T>(int Total, IReadOnlyList<T> Items);

    /// <summary>The other node of the cluster that owns <paramref name="clientId"/>, if there is one.</summary>
    internal static async Task<string?> OtherNodeOf(RedisCluster? cluster, string clientId) =>
        cluster is not null && await cluster.OwnerOfAsync(clientId) is { } owner && owner != cluster.NodeId ? owner : null;

    public static void Map(RouteGroupBuilder api)
    {
        var read = api.MapGroup("").RequireScope(ApiScope.Read);
        var admin = api.MapGroup("").RequireScope(ApiScope.Admin);

        read.MapGet("/clients", (string? search, int? offset, int? limit, Broker.Broker broker) =>
            Paged(broker.Clients.Where(c => Matches(search, c.ClientId, c.Username, c.RemoteAddress)).OrderBy(c => c.ClientId, StringComparer.Ordinal),
                offset, limit, ClientOf)).Produces<Page<ClientView>>().ProducesValidationProblem();
        read.MapGet("/clients/{clientId}", async (string clientId, Broker.Broker broker, [FromServices] RedisCluster? cluster) =>
        {
            clientId = RouteText.Name(clientId);
            if (broker.Sessions.TryGet(clientId, out var session) && session.Connection is { } connection)
                return Results.Ok(ClientOf(connection));
            return await OtherNodeOf(cluster, clientId) is { } node
                ? Problems.NotFound($"client '{clientId}' belongs to node '{node}'; ask that node")
                : Problems.NotFound($"no client is connected as '{clientId}'");
        }).Produces<ClientView>().ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapDelete("/clients/{clientId}", async (string clientId, Broker.Broker broker, [FromServices] RedisCluster? cluster) =>
        {
            clientId = RouteText.Name(clientId);
            if (broker.Kick(clientId))
                return Results.NoContent();
            if (await OtherNodeOf(cluster, clientId) is { } node)
            {
                // The node holding it disconnects it once it reads the request.
                cluster!.Kick(node, clientId);
                return Results.Accepted();
            }
            return Problems.NotFound($"no client is connected as '{clientId}'");
        }).Produces(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound);

        read.MapGet("/sessions", (string? search, int? offset, int? limit, Broker.Broker broker) =>
            Paged(broker.Sessions.All.Where(s => Matches(search, s.ClientId, s.Username, null)).OrderBy(s => s.ClientId, StringComparer.Ordinal),
                offset, limit, SessionOf)).Produces<Page<SessionView>>().ProducesValidationProblem();
        read.MapGet("/sessions/{clientId}", (string clientId, Broker.Broker broker) =>
        {
            clientId = RouteText.Name(clientId);
            return broker.Sessions.TryGet(clientId, out var session)
                ? Results.Ok(SessionOf(session))
                : Problems.NotFound($"there is no session of client '{clientId}'");
        }).Produces<SessionView>().ProducesProblem(StatusCodes.Status404NotFound);

        read.MapGet("/retained", (string? filter, int? offset, int? limit, Broker.Broker broker) =>
        {
            filter ??= "#";
            if (!TopicRules.IsValidTopicFilter(filter))
                return Problems.Invalid("filter", "must be a topic filter such as sensors/# or +/status");
            var found = new List<Message>();
            broker.Retained.Match(filter, found);
            return Paged(found.OrderBy(m => m.Topic, StringComparer.Ordinal), offset, limit, m => MessageView.From(m, broker.Time));
        }).Produces<Page<MessageView>>().ProducesValidationProblem();
        // One topic in the query, not the path: a path drops "." and ".." levels and keeps "%2F".
        read.MapGet("/retained/message", (string? topic, Broker.Broker broker) =>
        {
            if (!TopicRules.IsValidTopicName(topic))
                return Problems.Invalid("topic", "must be a topic name: not empty, no '+' or '#'");
            return broker.RetainedOn(topic!) is { } message
                ? Results.Ok(MessageView.From(message, broker.Time))
                : Problems.NotFound($"no message is retained on '{topic}'");
        }).Produces<MessageView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapDelete("/retained/message", (string? topic, Broker.Broker broker) =>
        {
            if (!TopicRules.IsValidTopicName(topic))
                return Problems.Invalid("topic", "must be a topic name: not empty, no '+' or '#'");
            return broker.ClearRetained(topic!) ? Results.NoContent() : Problems.NotFound($"no message is retained on '{topic}'");
        }).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static IResult Paged<TItem, TView>(IEnumerable<TItem> items, int? offset, int? limit, Func<TItem, TView> view)
    {
        if (offset is < 0)
            return Problems.Invalid("offset", "must be 0 or more");
        if (limit is < 1 or > MaxLimit)
            return Problems.Invalid("limit", $"must be between 1 and {MaxLimit}");
        var all = items.ToList();
        return Results.Ok(new Page<TView>(all.Count, [.. all.Skip(offset ?? 0).Take(limit ?? 100).Select(view)]));
    }

    /// <summary>A case-insensitive substring of the client id, the username or the address; no search matches all.</summary>
    private static bool Matches(string? search, string clientId, string? username, string? address) =>
        string.IsNullOrEmpty(search)
        || clientId.Contains(search, StringComparison.OrdinalIgnoreCase)
        || (username?.Contains(search, StringComparison.OrdinalIgnoreCase) ?? false)
        || (address?.Contains(search, StringComparison.OrdinalIgnoreCase) ?? false);

    private static ClientView ClientOf(ClientConnection connection)
    {
        var session = connection.Session!;
        return new ClientView(connection.ClientId, connection.Username, connection.RemoteEndPoint, ProtocolName(connection.Version),
            connection.KeepAliveSeconds, connection.ConnectedAt, session.IsPersistent, session.Subscriptions.Count, session.QueuedCount, session.InflightCount);
    }

    private static SessionView SessionOf(Session session) => new(
        session.ClientId, session.Username, session.IsConnected, session.ExpiryInterval, session.QueuedCount, session.InflightCount,
        [.. session.Subscriptions.OrderBy(s => s.Filter, StringComparer.Ordinal).Select(s =>
            new SubscriptionView(s.Filter, (int)s.QoS, s.NoLocal, s.RetainAsPublished, s.RetainHandling, s.SubscriptionId))]);

    private static string ProtocolName(ProtocolVersion version) => version switch
    {
        ProtocolVersion.V310 => "3.1",
        ProtocolVersion.V311 => "3.1.1",
        _ => "5.0",
    };
}
