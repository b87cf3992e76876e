// The official OSS and SLS gateways sending to one plain-HTTP address (the emulator): both put a name in
// front of the endpoint host (`<bucket>.oss-<region>…`, `<project>.<region>.log…`), which no address can
// carry in front, so that host rides after the address (docs/endpoints.md). Loaded only behind
// ACP_ALIBABA_ENDPOINT, and only when a run uses OSS or SLS (activities/clients.ts).
import OssGateway from '@alicloud/gateway-oss';
import SlsGateway from '@alicloud/gateway-sls';

/** The official OSS gateway (signature V1, XML, CRC checks untouched) sending to one address. */
class AddressedOssGateway extends OssGateway {
  constructor(private readonly address: string) {
    super();
  }

  override async getHost(endpointType: string, bucket: string, endpoint: string): Promise<string> {
    return `${this.address}/${await super.getHost(endpointType, bucket, endpoint)}`;
  }
}

/**
 * The official SLS gateway (signing, compression, errors untouched) sending to one plain-HTTP address:
 * the host it would call, `<project>.<region>.log.aliyuncs.com`, follows the address as FC's does.
 */
class AddressedSlsGateway extends SlsGateway {
  constructor(private readonly address: string) {
    super();
  }

  override async getHost(network: string, project: string, endpoint: string): Promise<string> {
    return `${this.address}/${await super.getHost(network, project, endpoint)}`;
  }
}

export const ossGateway = (address: string) => new AddressedOssGateway(address);
export const slsGateway = (address: string) => new AddressedSlsGateway(address);
