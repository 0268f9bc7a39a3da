using Herald.Broker.Messages;

namespace Herald.Storage.Redis.Cluster;

/// <summary>A message another node forwarded, with what this node is to do with it.</summary>
internal sealed record Forward(Message Message, bool Ordinary, bool RetainedCopy, IReadOnlySet<string>? Groups, bool Bounced);
