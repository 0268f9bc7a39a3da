using Herald.Broker;
using Herald.Broker.Auth;
using Herald.Broker.Diagnostics;
using Herald.Broker.Persistence;
using Herald.Broker.Retained;
using Herald.Broker.Sessions;
using Herald.Protocol;
using Herald.Protocol.Packets;
using Herald.Server.Api;
using Herald.Server.Dashboard;
using Herald.Broker.Inbox;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Herald.Server.Configuration;
using Herald.Server.Hosting;
using Herald.Server.Mqtt;
using Herald.Server.Tls;
using Herald.Server.Transport;
using Herald.Storage.Sqlite;
using Herald.Storage.Redis.Cluster;
using Herald.Broker.Cluster;
using StackExchange.Redis;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Herald.Server;

/// <summary>
/// Builds the Herald web host: Kestrel with the MQTT listeners (TCP and, with a certificate, TLS),
/// the HTTP endpoints (MQTT over WebSocket among them, also on HTTPS with a certificate) and the engine.
/// </summary>
public static class HeraldHost
{
    /// <exception cref="ConfigurationException">The configuration is invalid; the message says which key.</exception>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var options = BindOptions(builder.Configuration);
        var certificate = ServerCertificate.Load(options, builder.Environment.IsDevelopment(), DateTimeOffset.UtcNow);
        var clientCertificates = ClientCertificates.Load(options.Tls);

        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(certificate);
        if (clientCertificates is not null)
            builder.Services.AddSingleton(clientCertificates);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new BrokerOptions
        {
            ConnectTimeout = TimeSpan.FromSeconds(options.Mqtt.ConnectTimeoutSeconds),
            MaxInflightMessages = options.Mqtt.MaxInflightMessages,
            MaxQueuedMessages = options.Mqtt.MaxQueuedMessages,
            MaxQueuedBytes = options.Mqtt.MaxQueuedBytes,
            PurgeInterval = TimeSpan.FromSeconds(options.Mqtt.PurgeIntervalSeconds),
            MaxPacketSize = options.Mqtt.MaxPacketSize,
            MaxConnections = options.Mqtt.MaxConnections,
            MaxConnectionsPerAddress = options.Mqtt.MaxConnectionsPerAddress,
            MaxLoginFailures = options.Auth.MaxLoginFailures,
            LoginThrottleWindow = TimeSpan.FromSeconds(options.Auth.LoginThrottleSeconds),
            ReceiveMaximum = options.Mqtt.ReceiveMaximum,
            TopicAliasMaximum = options.Mqtt.TopicAliasMaximum,
            OutboundTopicAliases = options.Mqtt.OutboundTopicAliases,
            MaxPublishRate = options.Mqtt.MaxPublishRate,
            ServerKeepAlive = options.Mqtt.ServerKeepAlive > 0 ? (ushort)options.Mqtt.ServerKeepAlive : null,
            SysInterval = TimeSpan.FromSeconds(options.Sys.IntervalSeconds),
            HotTopicCapacity = options.HotTopics.Capacity,
            AutoSubscriptions = [.. options.AutoSubscribe.Select(a => new TopicSubscription(a.Topic, (QualityOfService)a.Qos)
            {
                NoLocal = a.NoLocal,
                RetainAsPublished = a.RetainAsPublished,
                RetainHandling = (byte)a.RetainHandling,
            })],
        });
        builder.Services.AddSingleton<ISessionStore, InMemorySessionStore>();
        builder.Services.AddSingleton<IRetainedStore, InMemoryRetainedStore>();
        var users = AuthStores.Open(options);
        builder.Services.AddSingleton<IUserStore>(users);
        builder.Services.AddSingleton<IAclStore>(users);
        builder.Services.AddSingleton<IBanStore>(users);
        builder.Services.AddHostedService<PolicyRefresher>();
        builder.Services.AddSingleton<IAuthenticator>(new PasswordAuthenticator(users, options.AllowsAnonymous, TimeProvider.System));
        builder.Services.AddSingleton<BrokerMetrics>();
        var cluster = options.Cluster.Enabled ? JoinCluster(builder, options) : null;
        var stored = cluster is not null ? LoadCluster(builder, cluster) : AddStore(builder, options);
        builder.Services.AddSingleton(OpenInbox(options));
        builder.Services.AddSingleton(services =>
        {
            var broker = ActivatorUtilities.CreateInstance<Broker.Broker>(services);
            if (stored is not null)
                broker.Restore(stored);
            cluster?.Start(broker);
            return broker;
        });
        builder.Services.AddSingleton<ConnectionLoop>();
        if (options.Mqtt.Transport == MqttTransport.Epoll)
            builder.Services.AddHostedService<EpollTransport>();
        builder.Services.AddHostedService<BrokerLifetime>();
        builder.Services.AddHostedService<MemoryTrim>();
        builder.Services.AddHealthChecks().AddCheck<ReadinessCheck>("ready", tags: [ReadinessCheck.Tag]);
        builder.Services.AddProblemDetails(); // every HTTP error, malformed JSON included, as application/problem+json
        builder.Services.AddExceptionHandler<BadRequestProblems>();
        builder.Services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true); // so BadRequestProblems can name the field
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.NumberHandling = JsonNumberHandling.Strict; // "qos": "1" is a mistake to name, not to guess
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        });
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer<ApiDocument>());
        // OpenTelemetry picks meters by name, process-wide: a view keeps this host's alone, so
        // another host in the same process (a test) neither shows here nor, ending, empties it.
        IMeterFactory? hostMeters = null;
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(BrokerMetrics.MeterName, SqliteStore.MeterName, ClusterStatus.MeterName)
            .AddView(instrument => ReferenceEquals(instrument.Meter.Scope, hostMeters) ? null : MetricStreamConfiguration.Drop)
            .AddPrometheusExporter());
        configureServices?.Invoke(builder.Services);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (options.Mqtt.Transport == MqttTransport.Kestrel)
                ListenAddress.Listen(kestrel, options.Mqtt.Address, options.Mqtt.Port, l => l.UseConnectionHandler<MqttConnectionHandler>());
            ListenAddress.Listen(kestrel, options.Http.Address, options.Http.Port, _ => { });
            if (certificate.Certificate is not null)
            {
                ListenAddress.Listen(kestrel, options.Mqtt.Address, options.Mqtt.TlsPort, l => l.UseHttps(MqttTls(certificate, clientCertificates)).UseConnectionHandler<MqttConnectionHandler>());
                ListenAddress.Listen(kestrel, options.Http.Address, options.Http.TlsPort, l => l.UseHttps(HttpsTls(certificate)));
            }
        });

        var app = builder.Build();
        hostMeters = app.Services.GetRequiredService<IMeterFactory>();
        app.UseExceptionHandler();
        app.UseStatusCodePages(); // an error the framework answers without a body gets a problem body too
        app.UseWebSockets();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }); // alive: the process answers
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadinessCheck.Tag) });
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapOpenApi("/openapi/{documentName}.json");
        WebSocketEndpoint.Map(app);
        var api = app.MapGroup("/api/v1").AddEndpointFilter<ApiKeyFilter>()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        KeyApi.Map(api);
        PublishApi.Map(api);
        InboxApi.Map(api);
        StatsApi.Map(api);
        ClusterApi.Map(api);
        ClientsApi.Map(api);
        AuthApi.Map(api);
        DashboardEndpoints.Map(app);
        return app;
    }

    /// <summary>
    /// Opens the SQLite store and reads it, so a database that cannot be used stops the server
    /// before it listens; returns what it held, or null when state is kept in memory only.
    /// </summary>
    /// <exception cref="StoreException">The database cannot be used; the message names the file.</exception>
    private static StoredState? AddStore(WebApplicationBuilder builder, HeraldOptions options)
    {
        if (options.Storage.Provider == StorageProvider.Memory)
            return null;
        var started = Stopwatch.GetTimestamp();
        var path = Path.Combine(options.DataDir, "herald.db");
        var store = SqliteStore.Open(path, options.Storage.Synchronous, TimeProvider.System);
        StoredState state;
        try
        {
            state = store.Load();
        }
        catch
        {
            store.Dispose();
            throw;
        }
        // A factory, not an instance: the container disposes it at shutdown, which writes what is queued.
        builder.Services.AddSingleton<IDurableStore>(services =>
            store.StartWriting(services.GetRequiredService<ILogger<SqliteStore>>(), services.GetRequiredService<IMeterFactory>()));
        builder.Services.AddSingleton(new StoreSummary(
            store.Path, state.Sessions.Count, state.Sessions.Sum(s => s.Deliveries.Count), state.Retained.Count, Stopwatch.GetElapsedTime(started)));
        return state;
    }

    /// <summary>
    /// Joins the cluster <c>Herald:Cluster:Redis</c> names; the node's engine then keeps persistent
    /// sessions and retained messages there and routes through it to the other nodes.
    /// </summary>
    /// <exception cref="StoreException">Redis cannot be reached or the node id is taken; the message says which.</exception>
    private static RedisCluster JoinCluster(WebApplicationBuilder builder, HeraldOptions options)
    {
        RedisCluster cluster;
        var log = LoggerFactory.Create(logging => logging.AddConsole()).CreateLogger<RedisCluster>();
        try
        {
            cluster = RedisCluster.Join(options.Cluster.Redis!, options.NodeId, TimeSpan.FromSeconds(options.Cluster.NodeTimeoutSeconds), TimeProvider.System, log);
        }
        catch (RedisConnectionException e)
        {
            throw new StoreException($"cannot reach Redis at Herald:Cluster:Redis '{options.Cluster.Redis}': {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new StoreException(e.Message, e);
        }
        // Factories, not instances: the container disposes the cluster at shutdown, which writes what is queued.
        builder.Services.AddSingleton(_ => cluster);
        builder.Services.AddSingleton<IClusterBus>(services => services.GetRequiredService<RedisCluster>());
        builder.Services.AddSingleton(services => services.GetRequiredService<RedisCluster>().Store);
        builder.Services.AddSingleton<ClusterStatus>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ClusterStatus>());
        return cluster;
    }

    private static StoredState LoadCluster(WebApplicationBuilder builder, RedisCluster cluster)
    {
        var started = Stopwatch.GetTimestamp();
        var state = cluster.Store.Load();
        builder.Services.AddSingleton(new StoreSummary(
            $"Redis {cluster.Configuration} (node {cluster.NodeId})", state.Sessions.Count, state.Sessions.Sum(s => s.Deliveries.Count), state.Retained.Count, Stopwatch.GetElapsedTime(started)));
        return state;
    }

    /// <summary>The users' inboxes: in inbox.db beside herald.db, or in memory when state is.</summary>
    private static IInbox OpenInbox(HeraldOptions options)
    {
        var retention = TimeSpan.FromSeconds(options.Inbox.RetentionSeconds);
        return options.Storage.Provider == StorageProvider.Memory
            ? new InMemoryInbox(options.Inbox.MaxMessages, retention)
            : SqliteInbox.Open(Path.Combine(options.DataDir, "inbox.db"), options.Inbox.MaxMessages, retention);
    }

    private static HttpsConnectionAdapterOptions HttpsTls(ServerCertificate certificate) => new()
    {
        ServerCertificate = certificate.Certificate,
        ServerCertificateChain = certificate.Chain,
    };

    /// <summary>
    /// TLS for MQTT: no ALPN. Kestrel would offer h2 and http/1.1, and a client that offers only
    /// "mqtt" would then fail the handshake for want of a common protocol.
    /// </summary>
    private static HttpsConnectionAdapterOptions MqttTls(ServerCertificate certificate, ClientCertificates? clientCertificates)
    {
        var options = HttpsTls(certificate);
        options.OnAuthenticate = (_, ssl) => ssl.ApplicationProtocols = null;
        clientCertificates?.Apply(options);
        return options;
    }

    /// <summary>
    /// The options as the server would read them (appsettings.json in the current directory,
    /// environment variables, then <paramref name="args"/>), for the CLI verbs.
    /// </summary>
    /// <exception cref="ConfigurationException">The configuration is invalid; the message says which key.</exception>
    public static HeraldOptions ReadOptions(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(Directory.GetCurrentDirectory())
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .Build();
        return BindOptions(configuration);
    }

    private static HeraldOptions BindOptions(IConfiguration configuration)
    {
        HeraldOptions options;
        try
        {
            options = configuration.GetSection(HeraldOptions.Section).Get<HeraldOptions>() ?? new HeraldOptions();
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigurationException(e.Message);
        }
        var errors = HeraldOptionsValidator.Validate(options);
        if (errors.Count > 0)
            throw new ConfigurationException(string.Join(Environment.NewLine, errors));
        return options;
    }
}
