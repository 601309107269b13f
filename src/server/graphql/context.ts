import type { Principal } from '../../domain/api-key/api-key.service';
import type { Services } from '../services';
import type { Loaders } from './loaders';

/** What every resolver receives: who is asking, the services, and this request's loaders. */
export type RequestContext = {
  principal: Principal;
  services: Services;
  loaders: Loaders;
};
