export {
  commaList,
  nonNegativeInt,
  onOff,
  port,
  positiveInt,
  postgresUrl,
  redisUrl,
  trustList,
} from './config-kinds';
export { configFragment, mergedShape } from './config-fragment';
export type { ConfigFragment, FragmentEnv } from './config-fragment';
export { problemFor, problemWhen } from './problem-descriptor';
export type { ProblemDescriptor } from './problem-descriptor';
