using Herald.Server.Configuration;
using Microsoft.Extensions.Options;

namespace Herald.Server.Hosting;

/// <summary>Says where Herald listens once started, and closes every client when the host stops.</summary>
public sealed partial class BrokerLifetime(
    Broker.Broker broker,
    IOptions<HeraldOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<BrokerLifetime> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var o = options.Value;
            Listening(logger, ListenAddress.Describe(o.Mqtt.Address, o.Mqtt.Port), ListenAddress.Describe(o.Http.Address, o.Http.Port));
        });
        // Closing clients as soon as shutdown begins lets Kestrel finish without waiting out its timeout.
        lifetime.ApplicationStopping.Register(broker.Stop);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Herald listening: MQTT on {MqttAddress}; HTTP on {HttpAddress}")]
    private static partial void Listening(ILogger logger, string mqttAddress, string httpAddress);
}
