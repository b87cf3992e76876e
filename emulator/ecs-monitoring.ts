// DescribeInstanceMonitorData: an instance's metrics per Period (60, 600 or 3600 s) between
// StartTime and EndTime, at most 400 points per call. InternetTX/InternetRX are the kbits sent to /
// received from the internet in each period, which is how acp reads an instance's billed public
// traffic. The emulator meters that traffic where it crosses the instance's public address
// (ecs-public-address.ts); the other metrics are constant. Times are the cloud's wall clock, the
// clock a client computes StartTime and EndTime from.
import { required, str } from './rpc-params';
import { ApiError, type Handler } from './types';

const PERIODS = [60, 600, 3600];
const MAX_POINTS = 400;

/** 'yyyy-MM-ddTHH:mm:ssZ' (UTC); seconds other than 00 round up to the next minute. */
function readTime(value: string, name: 'StartTime' | 'EndTime'): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new ApiError(400, `Invalid${name}.Malformed`, `The specified parameter "${name}" is not valid.`);
  }
  return Math.ceil(Date.parse(value) / 60_000) * 60_000;
}

const describeInstanceMonitorData: Handler = (req, world) => {
  const instance = world.get('instance', required(req, 'InstanceId'));
  if (!instance || instance.releasedAt !== undefined) {
    throw new ApiError(404, 'InvalidInstanceId.NotFound', 'The specified InstanceId does not exist.');
  }
  req.regionId = instance.regionId;
  const start = readTime(required(req, 'StartTime'), 'StartTime');
  const end = readTime(required(req, 'EndTime'), 'EndTime');
  const period = Number(str(req, 'Period') ?? 60);
  if (!PERIODS.includes(period)) {
    throw new ApiError(
      400,
      'InvalidPeriod.ValueNotSupported',
      'The specified parameter "Period" is not valid.',
    );
  }
  if (end < start) {
    throw new ApiError(400, 'InvalidParameter', 'The specified StartTime is later than the EndTime.');
  }
  if ((end - start) / (period * 1000) > MAX_POINTS) {
    throw new ApiError(400, 'InvalidParameter.TooManyDataQueried', 'Too many data queried.');
  }
  const tx = (instance.data.internetTx ?? {}) as Record<string, number>;
  const rx = (instance.data.internetRx ?? {}) as Record<string, number>;
  const created = Math.floor((instance.data.createdWall ?? world.wallNow()) / 60_000) * 60_000;
  const step = period * 1000;
  const points = [];
  for (
    let at = Math.max(start, created - (created % step));
    at < Math.min(end, world.wallNow());
    at += step
  ) {
    const sum = (m: Record<string, number>) =>
      Object.entries(m).reduce((s, [k, v]) => (Number(k) >= at && Number(k) < at + step ? s + v : s), 0);
    const txKbits = Math.round((sum(tx) * 8) / 1000);
    const rxKbits = Math.round((sum(rx) * 8) / 1000);
    points.push({
      InstanceId: instance.id,
      CPU: 1,
      IntranetRX: 0,
      IntranetTX: 0,
      IntranetBandwidth: 0,
      InternetRX: rxKbits,
      InternetTX: txKbits,
      InternetBandwidth: Math.round(txKbits / period),
      IOPSRead: 0,
      IOPSWrite: 0,
      BPSRead: 0,
      BPSWrite: 0,
      TimeStamp: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  }
  return { body: { RequestId: req.requestId, MonitorData: { InstanceMonitorData: points } } };
};

export const monitorActions: Record<string, Handler> = {
  DescribeInstanceMonitorData: describeInstanceMonitorData,
};
