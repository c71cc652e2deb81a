import { counter } from '@hourglass/http';

// Delivery, as the dispatcher sees it: every attempt per channel, and how each notification finished.
export const deliveryAttempts = counter({ name: 'hourglass_notification_attempts_total', help: 'Delivery attempts by channel and outcome (delivered, retry, gone, failed)', labelNames: ['channel', 'outcome'] });
export const notificationsFinished = counter({ name: 'hourglass_notifications_finished_total', help: 'Notifications by final state (delivered, dead, skipped) and channel', labelNames: ['status', 'channel'] });
