using Herald.Broker.Inbox;
using Herald.Broker.Messages;
using Herald.Server.Configuration;
using Herald.Storage.Redis.Cluster;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Herald.Server.Api;

/// <summary>
/// Publishing from a backend (publish scope): to a topic, as an MQTT client would; many at once;
/// and pushes straight to the sessions of a user (kept in that user's inbox too) or of one client
/// id. Every answer says how many sessions have the message on its way now and how many keep it
/// for a client that is away.
/// </summary>
public static class PublishApi
{
    /// <summary>The most messages one batch may carry.</summary>
    public const int MaxBatch = 1000;

    public sealed record PublishResult(string Topic, int Matched, int Delivered, int Queued, bool Retained);

    public sealed record BatchResult(IReadOnlyList<PublishResult> Results);

    /// <param name="Nodes">In a cluster, the other nodes the push was sent to (their sessions are not counted here).</param>
    public sealed record PushResult(string Topic, int Sessions, int Delivered, int Queued, long? InboxId, int Nodes = 0);

    public static void Map(RouteGroupBuilder api)
    {
        var publish = api.MapGroup("").RequireScope(ApiScope.Publish);

        publish.MapPost("/publish", (PublishRequest body, Broker.Broker broker, IOptions<HeraldOptions> options) =>
        {
            var validated = body.Validate(defaultTopic: null, retainAllowed: true, MaxPacketSize(options), broker.Time.GetTimestamp());
            return validated.Message is { } message ? Results.Ok(Publish(broker, message)) : Problems.Invalid(validated.Field!, validated.Problem!);
        }).Produces<PublishResult>().ProducesValidationProblem();

        publish.MapPost("/publish/batch", (PublishRequest[] body, Broker.Broker broker, IOptions<HeraldOptions> options) =>
        {
            if (body.Length == 0 || body.Length > MaxBatch)
                return Problems.Invalid("$", $"a batch holds 1 to {MaxBatch} messages, not {body.Length}");
            // Every message is checked before any is published: a bad batch publishes nothing.
            var messages = new Message[body.Length];
            for (var i = 0; i < body.Length; i++)
            {
                if (body[i] is null)
                    return Problems.Invalid($"[{i}]", "must be a message object");
                var validated = body[i].Validate(defaultTopic: null, retainAllowed: true, MaxPacketSize(options), broker.Time.GetTimestamp());
                if (validated.Message is null)
                    return Problems.Invalid($"[{i}].{validated.Field}", validated.Problem!);
                messages[i] = validated.Message;
            }
            return Results.Ok(new BatchResult([.. messages.Select(m => Publish(broker, m))]));
        }).Produces<BatchResult>().ProducesValidationProblem();

        publish.MapPost("/users/{user}/publish", async (string user, PublishRequest body, Broker.Broker broker, IInbox inbox, IOptions<HeraldOptions> options, [FromServices] RedisCluster? cluster, CancellationToken ct) =>
        {
            user = RouteText.Name(user);
            var defaultTopic = options.Value.Push.UserTopic.Replace("${username}", user, StringComparison.Ordinal);
            if (body.Topic is null && !Herald.Protocol.TopicRules.IsValidTopicName(defaultTopic))
                return Problems.Invalid("user", $"makes the topic '{defaultTopic}' of Herald:Push:UserTopic invalid; name a topic in the body");
            var validated = body.Validate(defaultTopic, retainAllowed: false, MaxPacketSize(options), broker.Time.GetTimestamp());
            if (validated.Message is not { } message)
                return Problems.Invalid(validated.Field!, validated.Problem!);
            long? inboxId = null;
            if (options.Value.Inbox.MaxMessages > 0)
                inboxId = (await inbox.AddAsync(user, ToInbox(message, broker.Time.GetUtcNow()), ct)).Id;
            var sessions = broker.SessionsByUser.Of(user);
            var outcome = broker.Push(message, sessions);
            var nodes = cluster?.PushToUser(user, message) ?? 0;
            return Results.Ok(new PushResult(message.Topic, sessions.Count, outcome.Sent, outcome.Queued, inboxId, nodes));
        }).Produces<PushResult>().ProducesValidationProblem();

        publish.MapPost("/clients/{clientId}/publish", async (string clientId, PublishRequest body, Broker.Broker broker, IOptions<HeraldOptions> options, [FromServices] RedisCluster? cluster) =>
        {
            clientId = RouteText.Name(clientId);
            var owner = broker.Sessions.TryGet(clientId, out var session) ? null : await ClientsApi.OtherNodeOf(cluster, clientId);
            if (session is null && owner is null)
                return Problems.NotFound($"there is no session of client '{clientId}': it never connected, or its session ended");
            var defaultTopic = options.Value.Push.ClientTopic.Replace("${clientid}", clientId, StringComparison.Ordinal);
            if (body.Topic is null && !Herald.Protocol.TopicRules.IsValidTopicName(defaultTopic))
                return Problems.Invalid("clientId", $"makes the topic '{defaultTopic}' of Herald:Push:ClientTopic invalid; name a topic in the body");
            var validated = body.Validate(defaultTopic, retainAllowed: false, MaxPacketSize(options), broker.Time.GetTimestamp());
            if (validated.Message is not { } message)
                return Problems.Invalid(validated.Field!, validated.Problem!);
            if (session is null)
            {
                cluster!.PushToClient(owner!, clientId, message);
                return Results.Ok(new PushResult(message.Topic, 0, 0, 0, InboxId: null, Nodes: 1));
            }
            var outcome = broker.Push(message, [session]);
            return Results.Ok(new PushResult(message.Topic, 1, outcome.Sent, outcome.Queued, InboxId: null));
        }).Produces<PushResult>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static PublishResult Publish(Broker.Broker broker, Message message)
    {
        broker.Metrics.PublishReceivedOne(message.QoS);
        var outcome = broker.Publish(message);
        return new PublishResult(message.Topic, outcome.Deliveries, outcome.Sent, outcome.Queued, message.Retain);
    }

    /// <summary>The largest PUBLISH a message may make: what the server takes from MQTT clients.</summary>
    private static int MaxPacketSize(IOptions<HeraldOptions> options) => options.Value.Mqtt.MaxPacketSize;

    private static InboxMessage ToInbox(Message message, DateTimeOffset at) => new(
        0, at, message.Topic, message.Payload.ToArray(), message.QoS, message.ExpiryInterval,
        message.Properties?.ContentType, message.Properties?.ResponseTopic, message.Properties?.CorrelationData,
        message.Properties?.UserProperties ?? []);
}
