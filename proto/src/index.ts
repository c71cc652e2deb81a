export * from './topics';
export * from '../gen/hourglass/sessions/v1/sessions_pb';
export * from '../gen/hourglass/billing/v1/billing_pb';
export * from '../gen/hourglass/notifications/v1/notifications_pb';
export { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
