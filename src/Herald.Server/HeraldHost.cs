using Herald.Broker;
using Herald.Broker.Auth;
using Herald.Broker.Diagnostics;
using Herald.Broker.Retained;
using Herald.Broker.Sessions;
using Herald.Server.Configuration;
using Herald.Server.Hosting;
using Herald.Server.Mqtt;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Herald.Server;

/// <summary>Builds the Herald web host: Kestrel with the MQTT listener, the HTTP endpoints and the engine.</summary>
public static class HeraldHost
{
    /// <exception cref="ConfigurationException">The configuration is invalid; the message says which key.</exception>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var options = BindOptions(builder.Configuration);

        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new BrokerOptions
        {
            ConnectTimeout = TimeSpan.FromSeconds(options.Mqtt.ConnectTimeoutSeconds),
            MaxInflightMessages = options.Mqtt.MaxInflightMessages,
            MaxQueuedMessages = options.Mqtt.MaxQueuedMessages,
            MaxPacketSize = options.Mqtt.MaxPacketSize,
            MaxConnections = options.Mqtt.MaxConnections,
        });
        builder.Services.AddSingleton<ISessionStore, InMemorySessionStore>();
        builder.Services.AddSingleton<IRetainedStore, InMemoryRetainedStore>();
        builder.Services.AddSingleton<IAuthenticator, AnonymousAuthenticator>();
        builder.Services.AddSingleton<BrokerMetrics>();
        builder.Services.AddSingleton<Broker.Broker>();
        builder.Services.AddHostedService<BrokerLifetime>();
        builder.Services.AddHealthChecks();
        configureServices?.Invoke(builder.Services);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            ListenAddress.Listen(kestrel, options.Mqtt.Address, options.Mqtt.Port, l => l.UseConnectionHandler<MqttConnectionHandler>());
            ListenAddress.Listen(kestrel, options.Http.Address, options.Http.Port, _ => { });
        });

        var app = builder.Build();
        app.MapHealthChecks("/healthz");
        return app;
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
