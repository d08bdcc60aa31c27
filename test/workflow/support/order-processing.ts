/**
 * The seed's order-processing workflow (seed/events-module.md), as written there, completed with
 * the `notify-backorder` step its condition names.
 */
export const orderProcessing = {
  id: 'order-processing',
  name: 'Order Processing Workflow',
  version: 1,
  steps: [
    {
      id: 'validate-order',
      name: 'Validate Order',
      type: 'action',
      action: 'order.validate',
      next_steps: ['check-inventory'],
    },
    {
      id: 'check-inventory',
      name: 'Check Inventory',
      type: 'condition',
      conditions: [
        {
          field: 'inventory.available',
          operator: 'gte',
          value: '{{steps.validate-order.quantity}}',
        },
      ],
      next_steps: ['process-payment', 'notify-backorder'],
    },
    {
      id: 'process-payment',
      name: 'Process Payment',
      type: 'action',
      action: 'payment.process',
      retry_policy: {
        strategy: 'exponential',
        max_attempts: 3,
      },
    },
    {
      id: 'notify-backorder',
      name: 'Notify Backorder',
      type: 'action',
      action: 'order.notify_backorder',
    },
  ],
  error_handling: {
    on_step_failure: 'retry',
    on_workflow_failure: 'compensate',
  },
}
