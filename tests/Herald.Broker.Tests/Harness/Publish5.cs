using Herald.Protocol;

namespace Herald.Broker.Tests.Harness;

/// <summary>
/// A PUBLISH the broker sent to an MQTT 5 client: the message as <see cref="Publish"/> compares it,
/// and the properties it carried (null when it carried none). <see cref="Properties"/> compares by
/// reference, so tests compare <see cref="Message"/> and read single properties.
/// </summary>
internal sealed record Publish5(Publish Message, Properties? Properties)
{
    public string Topic => Message.Topic;

    public string Payload => Message.Payload;

    public ushort PacketId => Message.PacketId;

    public ushort? TopicAlias => Properties?.TopicAlias;

    public uint? MessageExpiryInterval => Properties?.MessageExpiryInterval;

    /// <summary>The subscription identifiers, sorted: their order is not significant [MQTT-3.3.4-4].</summary>
    public int[] SubscriptionIds => Properties?.SubscriptionIdentifiers is { } ids ? [.. ids.Order()] : [];

    public IReadOnlyList<UserProperty> UserProperties => Properties?.UserProperties ?? [];

    public override string ToString() =>
        $"Publish5 {{ {Message}, TopicAlias = {TopicAlias}, MessageExpiryInterval = {MessageExpiryInterval}, " +
        $"SubscriptionIds = [{string.Join(", ", SubscriptionIds)}], UserProperties = [{string.Join(", ", UserProperties)}] }}";
}
