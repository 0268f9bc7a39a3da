using System.Text.Json.Serialization;
using Herald.Bench.Conn;
using Herald.Bench.Persist;
using Herald.Bench.PubSub;

namespace Herald.Bench;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PubSubReport))]
[JsonSerializable(typeof(ConnReport))]
[JsonSerializable(typeof(PersistReport))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
